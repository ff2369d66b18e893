import { readFileSync } from 'node:fs';

/** The package's version, read from its package.json: two folders up from src/cli/ and from dist/cli/ alike. */
export function packageVersion(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  const version: unknown = (JSON.parse(text) as { version?: unknown }).version;
  return typeof version === 'string' ? version : 'unknown';
}
