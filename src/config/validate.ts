import { entryProblem, resolveEntry } from './entry-file.ts';
import type { ConfigError } from './errors.ts';
import { describeIssue, type KeyProblem } from './issues.ts';
import { formatKeyPath } from './key-path.ts';
import { errorMessage, toPlainData } from './plain-data.ts';
import { type ClusterConfig, configSchema } from './schema.ts';

export type ValidationResult = { ok: true; config: ClusterConfig } | { ok: false; errors: ConfigError[] };

/**
 * Checks loaded config data against the schema and the file system, reporting every problem at once.
 * `file` is the config's path: error messages name it and relative `entry` paths resolve against its folder.
 * On success the config has every default applied and each `entry` as an absolute path.
 * Never throws, whatever `data` is.
 */
export function validateConfig(data: unknown, file: string): ValidationResult {
  try {
    const problems = validate(data, file);
    if (problems.ok) return problems;
    return { ok: false, errors: problems.problems.map((p) => ({ file, ...p })) };
  } catch (error) {
    return { ok: false, errors: [{ file, path: '', message: `could not validate: ${errorMessage(error)}` }] };
  }
}

function validate(
  data: unknown,
  file: string,
): { ok: true; config: ClusterConfig } | { ok: false; problems: KeyProblem[] } {
  const plain = toPlainData(data);
  if (!plain.ok) return { ok: false, problems: plain.problems };
  const value = plain.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const what = Array.isArray(value) ? 'a list' : value === null ? 'null' : typeof value;
    return {
      ok: false,
      problems: [{ path: '', message: `the config must be an object with a 'groups' key, got ${what}` }],
    };
  }

  const problems: KeyProblem[] = [];
  const parsed = configSchema.safeParse(value);
  if (!parsed.success)
    for (const issue of parsed.error.issues) problems.push(...describeIssue(issue, value, configSchema));
  problems.push(...entryProblems(value, file));
  if (!parsed.success || problems.length > 0) return { ok: false, problems: dedupe(problems) };

  const config = parsed.data;
  for (const group of Object.values(config.groups)) group.entry = resolveEntry(group.entry, file);
  return { ok: true, config };
}

/** Checked on the raw data so a missing entry shows up together with every schema problem. */
function entryProblems(value: object, file: string): KeyProblem[] {
  const groups = (value as { groups?: unknown }).groups;
  if (typeof groups !== 'object' || groups === null) return [];
  const problems: KeyProblem[] = [];
  for (const [name, group] of Object.entries(groups)) {
    const entry =
      typeof group === 'object' && group !== null ? (group as { entry?: unknown }).entry : undefined;
    if (typeof entry !== 'string' || entry === '') continue;
    const problem = entryProblem(resolveEntry(entry, file));
    if (problem !== null) problems.push({ path: formatKeyPath(['groups', name, 'entry']), message: problem });
  }
  return problems;
}

function dedupe(problems: KeyProblem[]): KeyProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\0${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
