/**
 * The `cluster.config.ts` that `orchestrator init` writes: every key with its default, commented, so a user
 * learns the options by reading the file. `entry` is the only required key.
 */
export function initTemplate(entry: string): string {
  return `import { defineConfig } from 'cluster-orchestrator';

// Every key below except \`entry\` shows its default: delete what you do not need.
// Reference: node_modules/cluster-orchestrator/docs/config.md, or hover a key in your editor.
export default defineConfig({
  groups: {
    // A group is a set of identical workers; its name shows up in logs and in ORCHESTRATOR_GROUP.
    web: {
      // The script each worker runs, relative to this file (.js .mjs .cjs .ts .mts .cts).
      entry: ${JSON.stringify(entry)},
      // An integer >= 0, or 'auto' = one worker per core.
      count: 'auto',
      // 'round-robin': the primary hands out connections; 'os': workers accept them themselves.
      scheduling: 'round-robin',
      // Extra environment variables for each worker (strings only).
      env: { PORT: '3000' },
      // A worker is ready when its server listens ('listening') or when it calls ready() ('message').
      ready: { on: 'listening', timeoutMs: 30_000 },
      // Delay before respawning a crashed worker; also 'linear', 'fixed' and 'none'.
      backoff: { strategy: 'exponential', initialMs: 100, maxMs: 30_000, factor: 2, jitter: 0.1 },
      // More than maxRestarts restarts within windowMs and the group stops respawning ('failed').
      restart: { when: 'always', maxRestarts: 10, windowMs: 60_000, resetAfterMs: 60_000 },
      // Rolling reload: start up to maxSurge new workers before stopping old ones.
      reload: { order: 0, maxSurge: 1, maxUnavailable: 0, timeoutMs: 120_000 },
      // How long a stopping worker may drain before it is killed.
      shutdown: { timeoutMs: 10_000 },
      // Replace a worker whose event loop is blocked this long, or whose memory grows past maxMemoryMb (0 = off).
      health: { heartbeatTimeoutMs: 10_000, maxMemoryMb: 0 },
    },
  },
  // Apply edits of this file to the running cluster.
  watch: true,
});
`;
}

/** Written next to the config when the folder has no server to point \`entry\` at. */
export const STARTER_SERVER = `// A minimal HTTP server to start from: replace it with your app, or point \`entry\` at yours.
import { createServer } from 'node:http';

createServer((_request, response) => {
  response.end('hello from worker ' + process.env.ORCHESTRATOR_WORKER_INDEX + '\\n');
}).listen(Number(process.env.PORT ?? 3000));
`;
