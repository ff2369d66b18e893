import { Agent, request } from 'undici';

/** A request unanswered this long counts as failed (and keeps a stuck server from stalling the test). */
const REQUEST_TIMEOUT_MS = 10_000;

export interface LoadResult {
  readonly ok: number;
  readonly failed: number;
  /** Failure reasons by count, e.g. { ECONNRESET: 2, 'status 502': 1 }. */
  readonly reasons: Record<string, number>;
}

export interface LoadOptions {
  readonly url: string;
  /** Keep-alive connections, each with one request at a time. */
  readonly connections: number;
  /** Stops after this long... */
  readonly durationMs: number;
  /** ...or after this many requests, whichever comes first (the bound that keeps a test finite). */
  readonly maxRequests: number;
  /** Requests per second over all connections (each connection keeps its share of the pace); unpaced if absent. */
  readonly rate?: number;
  /** Fails a request that has no complete answer after this long (undici's own default is 300 s). */
  readonly timeoutMs?: number;
  /** A new connection for every request (no keep-alive), so every request goes through the primary's hand-off. */
  readonly fresh?: boolean;
  /** Stops early (no new request) once aborted: load that lasts exactly as long as what it covers. */
  readonly signal?: AbortSignal;
}

/**
 * Bounded keep-alive HTTP load from a real client (undici), counting every failed request: an error of any
 * kind or a status other than 200. Loopback only; stops by itself.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const agent = new Agent({
    connections: options.connections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    ...(options.timeoutMs ? { headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs } : {}),
  });
  const deadline = Date.now() + options.durationMs;
  let sent = 0;
  let ok = 0;
  let failed = 0;
  const reasons: Record<string, number> = {};
  const fail = (reason: string): void => {
    failed += 1;
    reasons[reason] = (reasons[reason] ?? 0) + 1;
  };
  const gapMs = options.rate ? (1000 * options.connections) / options.rate : 0;
  const loop = async (): Promise<void> => {
    let next = Date.now();
    while (Date.now() < deadline && sent < options.maxRequests && options.signal?.aborted !== true) {
      if (gapMs > 0) {
        next += gapMs;
        const wait = next - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
      sent += 1;
      try {
        const response = await request(options.url, {
          dispatcher: agent,
          headersTimeout: options.timeoutMs ?? REQUEST_TIMEOUT_MS,
          bodyTimeout: options.timeoutMs ?? REQUEST_TIMEOUT_MS,
          reset: options.fresh === true,
        });
        await response.body.text();
        if (response.statusCode === 200) ok += 1;
        else fail(`status ${response.statusCode}`);
      } catch (error) {
        fail((error as { code?: string }).code ?? (error as Error).message);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: options.connections }, loop));
  } finally {
    await agent.close();
  }
  return { ok, failed, reasons };
}

/**
 * One GET, its body parsed as JSON (a fresh connection each time, so round-robin spreads them). Bounded in
 * time: a connection the primary handed to a worker that died at that moment is never answered (node:cluster
 * does not hand it to another worker), so an unbounded request could hang a test.
 */
export async function getJson<T = Record<string, unknown>>(url: string): Promise<T> {
  return JSON.parse(await getText(url)) as T;
}

/** One GET on a fresh connection, its body as text; rejects on a status other than 200 or after `timeoutMs`. */
export async function getText(url: string, timeoutMs = 5000): Promise<string> {
  const response = await request(url, { reset: true, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const text = await response.body.text();
  if (response.statusCode !== 200) throw new Error(`GET ${url}: ${response.statusCode} ${text}`);
  return text;
}

/** Retries `fn` until it stops throwing, up to `timeoutMs`. */
export async function eventually<T>(fn: () => Promise<T>, timeoutMs = 10_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  }
}
