import { groupColor, type Paint, paint } from './colors.ts';
import { type JsonRecord, parseJsonRecord } from './json-line.ts';
import type { WorkerFormat } from './worker-format.ts';

/**
 * Worker lines for a person at a terminal, each behind its worker's label in the group's color:
 *
 *   web.0  | listening on :3000
 *   web.1  | GET / 200
 *   jobs.0 | INFO  job done {"id":42}
 *
 * Labels are padded to the longest label seen so far, so columns line up once every group has started.
 * A JSON line (an app logging with pino) is shown as its level and message, then its other fields as
 * compact JSON; the noise every pino record carries (time, pid, hostname) is left out, and an error's stack
 * is printed on its own lines.
 */
export function createPrettyFormat(colors: boolean): WorkerFormat {
  let width = 0;
  return {
    forStream(tags) {
      const label = `${tags.group}.${tags.index}`;
      width = Math.max(width, label.length);
      const color = colors ? groupColor(tags.group) : plain;
      let prefixWidth = -1;
      let prefix = '';
      return (lines) => {
        if (prefixWidth !== width) {
          prefixWidth = width;
          prefix = `${color(label.padEnd(width))} | `;
        }
        let out = '';
        for (const line of lines) out += prettyLine(line, prefix, colors);
        return out;
      };
    },
  };
}

const plain: Paint = (text) => text;

/** Fields of a JSON line that are not worth a person's attention at a terminal. */
const HIDDEN = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'v']);

function prettyLine(line: string, prefix: string, colors: boolean): string {
  const fields = parseJsonRecord(line);
  if (fields === undefined || !(Object.hasOwn(fields, 'level') || Object.hasOwn(fields, 'msg'))) {
    return `${prefix}${line}\n`;
  }
  const level = levelLabel(fields.level, colors);
  const msg =
    typeof fields.msg === 'string' ? fields.msg : fields.msg === undefined ? '' : String(fields.msg);
  const stack = errorStack(fields.err);
  const extra: JsonRecord = {};
  let hasExtra = false;
  for (const key of Object.keys(fields)) {
    if (HIDDEN.has(key) || (key === 'err' && stack !== undefined)) continue;
    // defineProperty, not assignment: a field named "__proto__" must stay a field.
    Object.defineProperty(extra, key, { value: fields[key], enumerable: true });
    hasExtra = true;
  }
  let out = prefix + level;
  if (msg !== '') out += ` ${msg}`;
  if (hasExtra) out += ` ${colors ? paint.dim(JSON.stringify(extra)) : JSON.stringify(extra)}`;
  if (msg === '' && !hasExtra) out = out.trimEnd();
  out += '\n';
  if (stack !== undefined) for (const stackLine of stack.split('\n')) out += `${prefix}  ${stackLine}\n`;
  return out;
}

const LEVEL_NAMES: Readonly<Record<number, string>> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

const LEVEL_COLORS: Readonly<Record<string, Paint>> = {
  TRACE: paint.gray,
  DEBUG: paint.blue,
  INFO: paint.green,
  WARN: paint.yellow,
  ERROR: paint.red,
  FATAL: paint.redBackground,
};

/** pino's numeric levels by name, other loggers' string levels upper-cased; padded so messages line up. */
function levelLabel(level: unknown, colors: boolean): string {
  const name =
    typeof level === 'number'
      ? (LEVEL_NAMES[level] ?? `L${level}`)
      : typeof level === 'string'
        ? level.toUpperCase()
        : 'LOG';
  const padded = name.padEnd(5);
  const color = LEVEL_COLORS[name];
  return colors && color !== undefined ? color(padded) : padded;
}

/** The stack of a pino-serialized error (`{"err":{"type":..,"message":..,"stack":..}}`), if there is one. */
function errorStack(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const stack = (err as { stack?: unknown }).stack;
  return typeof stack === 'string' ? stack : undefined;
}
