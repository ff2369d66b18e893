import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The folder holding the control sockets of this user's clusters. Under `$XDG_RUNTIME_DIR` (already private
 * to the user) when set, else a per-user folder in the temp dir; either way created 0700 (see claim.ts).
 */
export function controlDir(env: NodeJS.ProcessEnv = process.env): string {
  const runtime = env.XDG_RUNTIME_DIR;
  if (runtime) return join(runtime, 'cluster-orchestrator');
  return join(tmpdir(), `cluster-orchestrator-${process.getuid?.() ?? 'user'}`);
}

/**
 * The socket of the cluster started from `configFile` (absolute, as given: not resolved, so a retargeted
 * symlink still leads to the same socket): named by a hash of the path, so any
 * folder depth fits in the ~100-byte limit of a Unix socket path and the same config always finds the same
 * socket. Example: /work/app/cluster.config.ts -> /tmp/cluster-orchestrator-1000/3f2a9c1b7d4e8a60.sock
 */
export function controlSocketPath(configFile: string, env: NodeJS.ProcessEnv = process.env): string {
  const name = createHash('sha256').update(configFile).digest('hex').slice(0, 16);
  return join(controlDir(env), `${name}.sock`);
}
