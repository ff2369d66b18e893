import * as z from 'zod';

/** Port numbers: 0 is the "off" value here, not "any free port". */
const port = () => z.int().min(0).max(65_535);

export const metricsSchema = z
  .strictObject({
    port: port().default(0).meta({
      description:
        'TCP port of the HTTP endpoint serving `/metrics` (Prometheus text), `/healthz` and `/readyz`. 0 turns it off.',
    }),
    host: z.string().min(1, { error: 'must not be empty' }).default('127.0.0.1').meta({
      description:
        "Address the metrics endpoint listens on. The default keeps it local; use '0.0.0.0' (or '::') for a scraper or probe on another machine.",
    }),
    http: z.boolean().default(false).meta({
      description:
        'Per-worker HTTP request metrics with no app code: requests by status class, in-flight requests and a latency histogram (`orchestrator_http_*`). Off by default: the workers then count nothing. Applies to workers started after it is turned on.',
    }),
  })
  .default(() => ({ port: 0, host: '127.0.0.1', http: false }))
  .meta({
    description:
      "The primary's health and Prometheus endpoint: group and worker state, restarts, reloads, memory, CPU, event-loop delay, and the workers' own prom-client metrics.",
  });
