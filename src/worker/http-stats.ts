import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Upper bounds of the latency buckets, in seconds (Prometheus' defaults; the last bucket, +Inf, is `count`). */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** Everything since the worker started: counters only, so the primary can diff two reports for a rate. */
export interface HttpStats {
  /** Requests started (what `recycle.afterRequests` counts). */
  readonly started: number;
  /** Finished responses by status class: index 0 = 1xx ... 4 = 5xx. */
  readonly byClass: readonly number[];
  /** Per-bucket (not cumulative) counts of finished responses' durations; one more entry for > 10 s. */
  readonly buckets: readonly number[];
  /** Sum of the finished responses' durations, in seconds. */
  readonly sumSeconds: number;
}

interface RequestMessage {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
}

const STARTED_AT = Symbol('orchestrator.startedAt');
type Timed = ServerResponse & { [STARTED_AT]?: number };

/**
 * Counts this worker's HTTP requests from Node's own `http.server.request.start` and
 * `http.server.response.finish` diagnostics channels: no code in the app, and per request only a timestamp
 * stored on the response and a few array increments. A response whose client went away before it finished
 * never reaches `finish`: it counts as started, not as finished.
 */
export function countHttpRequests(): () => HttpStats {
  let started = 0;
  let sumSeconds = 0;
  const byClass = [0, 0, 0, 0, 0];
  const buckets = new Array<number>(LATENCY_BUCKETS.length + 1).fill(0);
  subscribe('http.server.request.start', (message) => {
    started++;
    ((message as RequestMessage).response as Timed)[STARTED_AT] = performance.now();
  });
  subscribe('http.server.response.finish', (message) => {
    const response = (message as RequestMessage).response as Timed;
    const at = response[STARTED_AT];
    const statusClass = Math.floor(response.statusCode / 100) - 1;
    if (statusClass >= 0 && statusClass < 5) byClass[statusClass] = (byClass[statusClass] ?? 0) + 1;
    if (at === undefined) return;
    const seconds = (performance.now() - at) / 1000;
    sumSeconds += seconds;
    let bucket = 0;
    while (bucket < LATENCY_BUCKETS.length && seconds > (LATENCY_BUCKETS[bucket] ?? 0)) bucket++;
    buckets[bucket] = (buckets[bucket] ?? 0) + 1;
  });
  return () => ({ started, byClass: [...byClass], buckets: [...buckets], sumSeconds });
}
