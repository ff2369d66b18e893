import { createJsonFormat } from '../../primary/logging/json-format.ts';
import type { LogEntry } from '../../primary/logging/log-ring.ts';
import { prettyRecords } from '../../primary/logging/logger.ts';
import { createPrettyFormat } from '../../primary/logging/pretty-format.ts';
import type { FormatLines } from '../../primary/logging/worker-format.ts';

/**
 * Turns the entries `/logs` sends into the text `orchestrator up` would have printed for them: JSON lines
 * (worker lines tagged and merged exactly as `up` does), or pretty lines with `web.0 |` prefixes, padded
 * to the longest label of `workers`.
 */
export function createLogRenderer(
  pretty: boolean,
  colors: boolean,
  workers: readonly { group: string; index: number }[] = [],
): (entry: LogEntry) => string {
  let time = 0;
  const workerFormat = pretty ? createPrettyFormat(colors) : createJsonFormat(() => time);
  // Pretty labels pad to the longest seen so far; seeing the running workers first lines them all up at once.
  for (const { group, index } of workers)
    workerFormat.forStream({ group, index, pid: 0, worker: 0 }, 'stdout');
  const prettify = pretty ? prettyRecords(colors) : null;
  // One formatter per worker stream, as in `up`: the pretty prefixes keep their padding.
  const streams = new Map<string, FormatLines>();
  return (entry) => {
    if ('record' in entry) return prettify === null ? `${entry.record}\n` : prettify(entry.record);
    const key = `${entry.tags.worker}:${entry.stream}`;
    let format = streams.get(key);
    if (format === undefined) {
      format = workerFormat.forStream(entry.tags, entry.stream);
      streams.set(key, format);
    }
    time = entry.time;
    return format([entry.line]);
  };
}

/**
 * `--since`: a duration back from now (`90s`, `10m`, `2h`, `1d`, `500ms`) or an ISO date; the time in ms
 * since the epoch, or undefined if the text is neither.
 */
export function parseSince(text: string, now: number): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (match) {
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'ms'];
    return now - Number(match[1]) * unit;
  }
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : at;
}
