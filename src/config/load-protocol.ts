import type { ConfigError } from './errors.ts';

/** What the loader worker is asked: an explicit file (`-c`), or a search in `cwd`. */
export interface LoadRequest {
  file: string | undefined;
  cwd: string;
}

/** What it answers: plain data (not yet validated) or the reasons there is none. */
export type LoadReply =
  | { kind: 'loaded'; file: string; data: unknown }
  | { kind: 'failed'; file: string | null; errors: ConfigError[] };
