import { Pool } from 'undici';

export interface LoadResult {
  readonly ok: number;
  /** Errors (resets, closed sockets, timeouts) and non-2xx answers, by code or status. */
  readonly failures: Readonly<Record<string, number>>;
  readonly failed: number;
  /** Responses per body (the fixtures answer with their pid): shows which workers served. */
  readonly byBody: Readonly<Record<string, number>>;
  /** Responses that asked the client to reconnect. */
  readonly connectionClose: number;
}

export interface Load {
  /** Stops issuing requests, waits for those in flight, closes the pool. */
  stop(): Promise<LoadResult>;
}

/**
 * Keep-alive HTTP load from 127.0.0.1: `connections` sockets, each sending its next GET as soon as the previous
 * answer arrives (undici Pool, no pipelining, no retries: a request that meets a closed socket fails, as with
 * wrk). Bounded: it stops by itself after `maxMs` if nobody calls stop().
 */
export function startKeepAliveLoad(origin: string, { connections = 32, maxMs = 20_000 } = {}): Load {
  const pool = new Pool(origin, {
    connections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 30_000,
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  });
  let stopped = false;
  let ok = 0;
  let connectionClose = 0;
  const failures: Record<string, number> = {};
  const byBody: Record<string, number> = {};
  const fail = (key: string): void => {
    failures[key] = (failures[key] ?? 0) + 1;
  };
  const limit = setTimeout(() => {
    stopped = true;
  }, maxMs);

  async function loop(): Promise<void> {
    while (!stopped) {
      try {
        const response = await pool.request({ path: '/', method: 'GET' });
        const body = await response.body.text();
        if (response.headers.connection === 'close') connectionClose++;
        if (response.statusCode >= 200 && response.statusCode < 300) {
          ok++;
          byBody[body] = (byBody[body] ?? 0) + 1;
        } else fail(`status ${response.statusCode}`);
      } catch (error) {
        fail((error as { code?: string }).code ?? String(error));
      }
    }
  }
  const loops = Array.from({ length: connections }, loop);

  return {
    async stop() {
      stopped = true;
      clearTimeout(limit);
      await Promise.all(loops);
      await pool.close();
      const failed = Object.values(failures).reduce((sum, count) => sum + count, 0);
      return { ok, failures, failed, byBody, connectionClose };
    },
  };
}
