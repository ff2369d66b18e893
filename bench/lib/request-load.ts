/**
 * Keep-alive load from a real client (undici) that keeps every request's start time, latency and outcome, so
 * a scenario can ask for the failures and the p99 latency of any time window (steady state vs during a
 * reload). Optionally paced to a total rate. Bounded: it stops after `durationMs` or `maxRequests`, or on stop().
 */
import { Agent, request } from 'undici';

export interface RequestLoadOptions {
  readonly url: string;
  /** Keep-alive connections, one request at a time on each. */
  readonly connections: number;
  readonly durationMs: number;
  readonly maxRequests: number;
  /** Requests per second over all connections; unpaced when absent. */
  readonly rate?: number;
  /** A new connection for every request (no keep-alive): each one goes through the primary's accept. */
  readonly fresh?: boolean;
}

export interface Window {
  readonly ok: number;
  readonly failed: number;
  readonly p99Ms: number;
  readonly reasons: Record<string, number>;
}

export interface RequestLoad {
  /** Resolves when the load ended (deadline, request budget, or stop()). */
  readonly finished: Promise<void>;
  stop(): Promise<void>;
  /** The requests that started within [from, to) (performance.now() times). */
  window(from?: number, to?: number): Window;
}

export function startRequestLoad(options: RequestLoadOptions): RequestLoad {
  // A request with no answer after 10 s counts as failed (UND_ERR_HEADERS_TIMEOUT) instead of holding the
  // run for undici's default 300 s: a connection handed to a worker that dies mid-hand-off is never answered.
  const agent = new Agent({
    connections: options.connections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  });
  const starts: number[] = [];
  const latencies: number[] = [];
  const outcomes: string[] = []; // '' = ok, else the failure reason
  const deadline = performance.now() + options.durationMs;
  const gap = options.rate ? (1000 * options.connections) / options.rate : 0;
  let stopped = false;
  const loop = async (): Promise<void> => {
    let next = performance.now();
    while (!stopped && performance.now() < deadline && starts.length < options.maxRequests) {
      if (gap > 0) {
        next += gap;
        const wait = next - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        if (stopped) return;
      }
      const started = performance.now();
      const i = starts.push(started) - 1;
      let outcome = '';
      try {
        const response = await request(options.url, { dispatcher: agent, reset: options.fresh === true });
        await response.body.text();
        if (response.statusCode !== 200) outcome = `status ${response.statusCode}`;
      } catch (error) {
        outcome = (error as { code?: string }).code ?? (error as Error).message;
      }
      latencies[i] = performance.now() - started;
      outcomes[i] = outcome;
    }
  };
  const finished = Promise.all(Array.from({ length: options.connections }, loop)).then(() => agent.close());
  return {
    finished,
    async stop() {
      stopped = true;
      await finished;
    },
    window(from = 0, to = Number.POSITIVE_INFINITY) {
      let ok = 0;
      let failed = 0;
      const reasons: Record<string, number> = {};
      const inWindow: number[] = [];
      for (let i = 0; i < starts.length; i++) {
        const start = starts[i] as number;
        const outcome = outcomes[i];
        if (start < from || start >= to || outcome === undefined) continue;
        inWindow.push(latencies[i] as number);
        if (outcome === '') ok += 1;
        else {
          failed += 1;
          reasons[outcome] = (reasons[outcome] ?? 0) + 1;
        }
      }
      return { ok, failed, reasons, p99Ms: p99(inWindow) };
    },
  };
}

function p99(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  values.sort((a, b) => a - b);
  return values[Math.min(values.length - 1, Math.ceil(0.99 * values.length) - 1)] as number;
}
