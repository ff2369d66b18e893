import { formatKeyPath, type KeyPath } from './key-path.ts';

export interface DataProblem {
  path: string;
  message: string;
}

export type PlainDataResult = { ok: true; value: unknown } | { ok: false; problems: DataProblem[] };

/**
 * Copies a loaded config into plain data (what JSON or YAML could have said, plus `undefined`), reporting
 * everything else with its key path: a config is data, so a function, class, symbol, Date, Map or class
 * instance in it is an error rather than something that silently vanishes (structured clone would drop or
 * mangle them). Getters run here, once, inside the loader's worker, never in the caller.
 */
export function toPlainData(value: unknown): PlainDataResult {
  const problems: DataProblem[] = [];
  const seen = new Set<object>();

  const copy = (v: unknown, path: KeyPath): unknown => {
    const problem = (message: string) => {
      problems.push({ path: formatKeyPath(path), message });
      return undefined;
    };
    switch (typeof v) {
      case 'string':
      case 'number':
      case 'boolean':
      case 'undefined':
        return v;
      case 'bigint':
        return problem(`is a bigint (${v}n); write a number`);
      case 'symbol':
        return problem('is a symbol; a config holds data only');
      case 'function':
        return problem(
          isClass(v)
            ? `is a class (${v.name || 'anonymous'}); a config holds data only`
            : `is a function${v.name ? ` (${v.name})` : ''}; a config holds data only, no functions`,
        );
    }
    if (v === null) return null;
    const object = v as object;
    if (seen.has(object)) return problem('is a circular reference; a config holds data only');
    seen.add(object);
    try {
      if (Array.isArray(object)) {
        const out: unknown[] = [];
        for (let i = 0; i < object.length; i++) out.push(copy(object[i], [...path, i]));
        return out;
      }
      const proto = Object.getPrototypeOf(object);
      if (proto !== Object.prototype && proto !== null) {
        const name = typeof proto?.constructor === 'function' ? proto.constructor.name : '';
        return problem(
          `is a ${name || 'non-plain'} object; a config holds plain objects, arrays, strings, numbers and booleans only`,
        );
      }
      const out: Record<string, unknown> = {};
      for (const key of Reflect.ownKeys(object)) {
        if (typeof key === 'symbol') {
          problem(`has a symbol key (${key.toString()}); a config holds data only`);
          continue;
        }
        const descriptor = Object.getOwnPropertyDescriptor(object, key);
        if (descriptor === undefined || !descriptor.enumerable) continue;
        let item: unknown;
        try {
          item = (object as Record<string, unknown>)[key];
        } catch (error) {
          problems.push({
            path: formatKeyPath([...path, key]),
            message: `reading it threw: ${errorMessage(error)}`,
          });
          continue;
        }
        // defineProperty, not assignment: a key named `__proto__` must stay a key (and then fail validation).
        Object.defineProperty(out, key, {
          value: copy(item, [...path, key]),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    } finally {
      seen.delete(object);
    }
  };

  let copied: unknown;
  try {
    copied = copy(value, []);
  } catch (error) {
    // A getter or proxy trap threw while we read it.
    problems.push({ path: '', message: `reading the config threw: ${errorMessage(error)}` });
  }
  return problems.length === 0 ? { ok: true, value: copied } : { ok: false, problems };
}

function isClass(fn: unknown): boolean {
  try {
    return /^class[\s{]/.test(Function.prototype.toString.call(fn));
  } catch {
    return false;
  }
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  try {
    return String(error);
  } catch {
    return 'unknown error';
  }
}
