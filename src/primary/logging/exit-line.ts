/** Longer lines are cut: the reason is for a status line, the whole line is in the log. */
const MAX_LENGTH = 300;

/**
 * Remembers, of the lines a worker writes on stderr, the one that best says why it died: the last error
 * message (`Error: listen EADDRINUSE: address already in use 0.0.0.0:4150`, `TypeError: x is not a function`),
 * else the last line that is not part of Node's crash report around it. Node's report of an uncaught error
 * ends with stack frames, the error's own properties and `Node.js v24.x`: none of those says what happened.
 */
export class ExitLine {
  #error: string | null = null;
  #last: string | null = null;

  push(lines: readonly string[]): void {
    for (const raw of lines) {
      const line = raw.trim();
      if (line === '' || NOISE.some((pattern) => pattern.test(line))) continue;
      const cut = line.length > MAX_LENGTH ? `${line.slice(0, MAX_LENGTH - 1)}…` : line;
      if (ERROR.test(line)) this.#error = cut;
      this.#last = cut;
    }
  }

  /** The error message if one was written, else the last telling line, else null. */
  get line(): string | null {
    return this.#error ?? this.#last;
  }
}

/** `Error: ...`, `TypeError [ERR_X]: ...`, `Uncaught SyntaxError: ...`, `MyAppException: ...`. */
const ERROR = /^(?:Uncaught )?[A-Za-z]*(?:Error|Exception)(?: \[[A-Z0-9_]+\])?:/;

/** Node's crash-report lines around the message: frames, property dumps, the caret, the version footer. */
const NOISE: readonly RegExp[] = [
  /^at /, // a stack frame
  /^Node\.js v\d/, // the footer
  /^[\^~]+$/, // the caret under the throwing source line
  /^throw /, // the source line shown above the caret
  /^node:[\w/]+:\d+$/, // node:events:497
  /^file:\/\/\S+:\d+$/, // the file and line shown above the source line
  /^\/\S+:\d+$/,
  /^[{}[\]]$|^},?$/, // the braces of a property dump
  /^(?:code|errno|syscall|address|port|path|dest|info|cause): /, // the error's own properties
  /^Emitted 'error' event/,
  /^Warning: /, // a deprecation or experimental-feature warning is not why it died
  /^\(node:\d+\)/, // (node:123) ExperimentalWarning ...
  /^\(Use `node --trace-/,
];
