import { type JsonRecord, parseJsonRecord } from './json-line.ts';
import type { WorkerFormat } from './worker-format.ts';
import { type OutputStream, STREAM_LEVEL, type WorkerTags } from './worker-tags.ts';

/** The fields the primary adds to every worker record. */
const TAG_KEYS = ['group', 'index', 'pid', 'worker', 'stream'] as const;

/**
 * Where a worker record keeps the values of its own fields that a tag replaced. Reserved like a tag, so a
 * worker field of this name is itself moved inside it and the key always means the same thing.
 */
export const SHADOWED_KEY = 'shadowed';

/**
 * Worker lines as JSON records, one per line, in pino's shape so one `jq` filter reads the primary's records
 * and the workers' alike:
 *
 *   hello               -> {"level":30,"time":1764324000000,"group":"web","index":0,"pid":4250,"worker":7,
 *                           "stream":"stdout","msg":"hello"}
 *
 * A line that is itself a JSON object (an app logging with pino) is merged, not double-encoded: the worker's
 * own `level`, `time`, `msg` and other fields are kept, and the tags are added. On a clash the tags win,
 * because they are what routes and filters records (`select(.group == "web")` must never be fooled by an
 * app's field), and the worker's differing value moves under `shadowed` so nothing is lost:
 *
 *   {"level":50,"msg":"job failed","worker":"mailer"}
 *                       -> {"level":50,"time":1764324000000,"group":"jobs","index":0,"pid":4251,"worker":8,
 *                           "stream":"stdout","msg":"job failed","shadowed":{"worker":"mailer"}}
 *
 * A pino app's `pid` equals the tag, so it is not a clash. `now` is read once per batch of lines.
 */
export function createJsonFormat(now: () => number = Date.now): WorkerFormat {
  return {
    forStream(tags, stream) {
      const level = STREAM_LEVEL[stream];
      const head = `{"level":${level},"time":`;
      const tail =
        `,"group":${JSON.stringify(tags.group)},"index":${tags.index},"pid":${tags.pid}` +
        `,"worker":${tags.worker},"stream":"${stream}","msg":`;
      return (lines) => {
        const time = now();
        const prefix = head + time + tail;
        let out = '';
        for (const line of lines) {
          const fields = parseJsonRecord(line);
          out +=
            fields === undefined
              ? `${prefix}${JSON.stringify(line)}}\n`
              : `${JSON.stringify(mergeRecord(fields, level, time, tags, stream))}\n`;
        }
        return out;
      };
    },
  };
}

function mergeRecord(
  fields: JsonRecord,
  level: number,
  time: number,
  tags: WorkerTags,
  stream: OutputStream,
): JsonRecord {
  // A null prototype makes a worker field named "__proto__" an ordinary key, not a prototype change.
  const record: JsonRecord = Object.create(null);
  record.level = Object.hasOwn(fields, 'level') ? fields.level : level;
  record.time = Object.hasOwn(fields, 'time') ? fields.time : time;
  record.group = tags.group;
  record.index = tags.index;
  record.pid = tags.pid;
  record.worker = tags.worker;
  record.stream = stream;
  let shadowed: JsonRecord | undefined;
  for (const key of Object.keys(fields)) {
    if (key === 'level' || key === 'time') continue;
    const value = fields[key];
    if (isReserved(key)) {
      if (value !== record[key]) {
        shadowed ??= Object.create(null) as JsonRecord;
        shadowed[key] = value;
      }
      continue;
    }
    record[key] = value;
  }
  if (shadowed !== undefined) record[SHADOWED_KEY] = shadowed;
  return record;
}

function isReserved(key: string): boolean {
  return key === SHADOWED_KEY || (TAG_KEYS as readonly string[]).includes(key);
}
