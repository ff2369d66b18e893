import type { ConfigError } from './errors.ts';
import type { ClusterConfig } from './schema.ts';

/** What the loader worker is asked: an explicit file (`-c`), or a search in `cwd`. */
export interface LoadRequest {
  file: string | undefined;
  cwd: string;
}

/** What the file held: plain data (not yet validated) or the reasons there is none. */
export type LoadReply =
  | { kind: 'loaded'; file: string; data: unknown }
  | { kind: 'failed'; file: string | null; errors: ConfigError[] };

/**
 * What the loader worker answers: the validated config, or every problem. Validation runs in the worker too,
 * so the caller (the long-running primary) never loads the schema library: about 25 MB of its memory.
 */
export type ValidatedReply =
  | { kind: 'valid'; file: string; config: ClusterConfig }
  | { kind: 'failed'; file: string | null; errors: ConfigError[] };
