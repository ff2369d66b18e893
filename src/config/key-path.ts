export type KeyPath = readonly PropertyKey[];

/**
 * `['groups', 'web', 'args', 0]` -> `groups.web.args[0]`. Group names cannot contain dots, so a dotted path
 * reads back unambiguously; a key that is not a plain identifier-ish word is quoted:
 * `['groups', 'my group']` -> `groups["my group"]`.
 */
export function formatKeyPath(path: KeyPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'symbol') out += `[${segment.toString()}]`;
    else if (/^[A-Za-z0-9_$-]+$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}
