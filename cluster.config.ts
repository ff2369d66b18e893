import { defineConfig } from 'cluster-orchestrator';

// The bundled example: an HTTP server on every core and one background worker.
// Every key is documented in docs/config.md; anything not written here takes its default.
export default defineConfig({
  groups: {
    web: {
      entry: './examples/http/server.ts',
      count: 'auto',
      // The group is ready once each worker's server listens.
      ready: { on: 'listening' },
      env: { PORT: '3000' },
    },
    jobs: {
      entry: './examples/jobs/worker.ts',
      // No server, so the scheduling policy does not matter here; one worker is enough.
      count: 1,
      // It has no server to listen: it calls ready() from cluster-orchestrator/worker.
      ready: { on: 'message' },
      // Wait 1 s, 2 s, 3 s ... (at most 10 s) before each respawn after a crash in a row.
      backoff: { strategy: 'linear', initialMs: 1_000, incrementMs: 1_000, maxMs: 10_000 },
    },
  },
});
