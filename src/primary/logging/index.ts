export { colorsEnabled, groupColor } from './colors.ts';
export { createLineSplitter, DEFAULT_MAX_LINE_LENGTH, type LineSplitter } from './line-splitter.ts';
export { createLogger, type LoggerOptions, type PrimaryLogger, type WorkerLineWriter } from './logger.ts';
export { type PipeOptions, pipeWorkerOutput, type WorkerOutputSource } from './worker-output.ts';
export { type OutputStream, STREAM_LEVEL, type WorkerTags } from './worker-tags.ts';
