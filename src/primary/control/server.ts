import { chmodSync, linkSync, lstatSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { http } from '../http-module.ts';
import { keepAccepting } from '../keep-accepting.ts';
import type { LogRing } from '../logging/log-ring.ts';
import type { StatusJson } from '../status.ts';
import { type DebugRequest, parseDebugRequest } from './debug-endpoint.ts';
import { parseLogsRequest, serveLogs } from './logs-endpoint.ts';

/** Request bodies are small JSON documents; anything bigger is refused before it is read in full. */
export const MAX_BODY_BYTES = 64 * 1024;
/** The largest count `scale` accepts: far above any machine's cores, far below a fork bomb. */
export const MAX_SCALE_COUNT = 1024;

/** A line of a streamed answer (NDJSON): progress while the operation runs, then one `done`. */
export type ControlLine =
  | { readonly event: 'progress'; readonly message: string; readonly group?: string }
  | {
      readonly event: 'done';
      readonly ok: boolean;
      readonly message: string;
      readonly groups?: Record<string, string>;
      /** The file an operation wrote (`debug`). */
      readonly file?: string;
    };

export type Refusal = { readonly status: 400 | 404 | 409 | 422; readonly error: string };

/** What the running cluster offers its operators; run-cluster.ts implements it. */
export interface ControlApi {
  status(): StatusJson;
  /** Re-reads the config and rolls `groups` (all when empty); `progress` is called as the roll goes. */
  reload(groups: readonly string[], progress: (line: ControlLine) => void): Promise<Refusal | ControlLine>;
  scale(counts: Readonly<Record<string, number>>): Refusal | null;
  /** Starts the graceful shutdown; resolves once every worker is gone. */
  down(): Promise<void>;
  /** The recent log lines (`orchestrator logs`). */
  readonly logs: LogRing;
  /** Has a worker write a heap snapshot, CPU profile or report (`orchestrator debug`). */
  debug(request: DebugRequest, progress: (line: ControlLine) => void): Promise<Refusal | ControlLine>;
  /** Hands this cluster over to a new primary (docs/upgrade.md); `progress` is called as it goes. */
  upgrade(options: UpgradeRequest, progress: (line: ControlLine) => void): Promise<Refusal | ControlLine>;
}

/** `POST /upgrade` body: all optional. */
export interface UpgradeRequest {
  /** The new primary's deadline to be ready. */
  readonly timeoutMs?: number;
  /** The Node binary the new primary runs (default: the one at the running primary's path). */
  readonly node?: string;
}

/**
 * The control plane: HTTP with JSON bodies on a Unix socket in a private folder (no TCP listener), so
 * `curl --unix-socket` works and only this user can reach it.
 *
 *   GET  /status                          -> 200 StatusJson
 *   POST /reload {"groups": ["web"]}      -> 200 NDJSON ControlLine stream, ending with {"event":"done",...}
 *   POST /scale  {"counts": {"web": 4}}   -> 200 {"ok":true}
 *   POST /down                            -> 200 NDJSON: {"event":"progress",...} then {"event":"done",...}
 *   POST /debug {"worker":"web.0","kind":"heap",...} -> 200 NDJSON ControlLine stream (see debug-endpoint.ts)
 *   GET  /logs?select=web,jobs.1&lines=N&since=MS&follow=1 -> 200 NDJSON LogEntry stream (see logs-endpoint.ts)
 *   POST /upgrade {"timeoutMs": 60000}    -> 200 NDJSON ControlLine stream (docs/upgrade.md)
 *
 * Bad JSON or shapes -> 400, unknown group -> 404, a bad config on reload -> 422, oversized body -> 413,
 * unknown path -> 404, wrong method -> 405. A refused request changes nothing.
 */
export async function startControlServer(
  socketPath: string,
  api: ControlApi,
  /** Told of the first connection it could not accept (out of file descriptors); it keeps serving. */
  onAcceptError: (error: Error) => void = () => {},
): Promise<ControlServer> {
  const server = http.createServer((request, response) => {
    void route(api, request, response).catch((error: unknown) => {
      if (!response.headersSent)
        sendJson(response, 500, { error: String((error as Error).message ?? error) });
      else response.end();
    });
  });
  // Control requests are rare and small: a slow or stuck client must not hold the primary's sockets.
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  // Bound at a path of its own, then linked to `socketPath`: libuv unlinks the path a Unix socket was bound
  // to when it closes (even at process exit), and after an upgrade `socketPath` names the new primary's
  // socket, which the old one must not remove. link() also fails if the path exists, so two primaries
  // can never both claim it.
  const bound = `${socketPath}.${process.pid}.tmp`;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(bound, () => {
      server.off('error', reject);
      resolve();
    });
  });
  keepAccepting(server, onAcceptError);
  try {
    chmodSync(bound, 0o600);
    linkSync(bound, socketPath);
  } catch (error) {
    await new Promise((resolve) => server.close(resolve));
    throw error;
  } finally {
    rmSync(bound, { force: true });
  }
  return new ControlServer(server, socketPath, lstatSync(socketPath).ino);
}

export class ControlServer {
  readonly #server: Server;
  readonly #inode: number;
  #released = false;
  path: string;

  constructor(server: Server, path: string, inode: number) {
    this.#server = server;
    this.path = path;
    this.#inode = inode;
  }

  /** Whether `path` still names this server's socket (an upgrade's new primary renames its own over it). */
  owns(): boolean {
    try {
      return lstatSync(this.path).ino === this.#inode;
    } catch {
      return false;
    }
  }

  /** Moves the socket to `path` in one step (rename), replacing what was there: commands never miss it. */
  moveTo(path: string): void {
    renameSync(this.path, path);
    this.path = path;
  }

  /**
   * After a hand-over: stops listening (requests under way finish) without touching the path, which names
   * the new primary's socket now.
   */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#server.close();
    this.#server.closeIdleConnections();
  }

  /** Stops listening, ends idle connections and removes the socket file. */
  async close(): Promise<void> {
    if (this.#released) return;
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeIdleConnections();
    });
    if (!this.owns()) return;
    try {
      unlinkSync(this.path);
    } catch {
      // Already gone.
    }
  }
}

async function route(api: ControlApi, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = (request.url ?? '/').split('?')[0];
  const method = request.method ?? 'GET';
  const expect = ROUTES[path ?? ''];
  if (expect === undefined) return sendJson(response, 404, { error: `no such endpoint: ${path}` });
  if (method !== expect) {
    response.setHeader('allow', expect);
    return sendJson(response, 405, { error: `${path} takes ${expect}` });
  }
  if (path === '/status') return sendJson(response, 200, api.status());
  if (path === '/logs') {
    const groups = api.status().groups.map((group) => group.name);
    const parsed = parseLogsRequest(new URL(request.url ?? '/', 'http://control'), groups);
    if ('error' in parsed) return sendJson(response, parsed.status, { error: parsed.error });
    return serveLogs(api.logs, parsed, response);
  }

  const body = await readJsonBody(request);
  if (!body.ok) return sendJson(response, body.status, { error: body.error });

  switch (path) {
    case '/scale': {
      const counts = parseCounts(body.value);
      if (typeof counts === 'string') return sendJson(response, 400, { error: counts });
      const refusal = api.scale(counts);
      return refusal
        ? sendJson(response, refusal.status, { error: refusal.error })
        : sendJson(response, 200, { ok: true });
    }
    case '/reload': {
      const groups = parseGroups(body.value);
      if (typeof groups === 'string') return sendJson(response, 400, { error: groups });
      return streamOperation(response, (progress) => api.reload(groups, progress));
    }
    case '/debug': {
      const request = parseDebugRequest(body.value);
      if (typeof request === 'string') return sendJson(response, 400, { error: request });
      return streamOperation(response, (progress) => api.debug(request, progress));
    }
    case '/upgrade': {
      const options = parseUpgrade(body.value);
      if (typeof options === 'string') return sendJson(response, 400, { error: options });
      return streamOperation(response, (progress) => api.upgrade(options, progress));
    }
    case '/down': {
      response.writeHead(200, { 'content-type': 'application/x-ndjson' });
      response.write(
        `${JSON.stringify({ event: 'progress', message: 'draining every worker' } satisfies ControlLine)}\n`,
      );
      await api.down();
      response.end(
        `${JSON.stringify({ event: 'done', ok: true, message: 'stopped' } satisfies ControlLine)}\n`,
      );
      return;
    }
  }
}

/**
 * Answers with the operation's progress lines as NDJSON, ending with its `done` line; a refusal that comes
 * before any progress is an ordinary error answer instead.
 */
async function streamOperation(
  response: ServerResponse,
  run: (progress: (line: ControlLine) => void) => Promise<Refusal | ControlLine>,
): Promise<void> {
  let streaming = false;
  const write = (line: ControlLine): void => {
    if (!streaming) {
      streaming = true;
      response.writeHead(200, { 'content-type': 'application/x-ndjson' });
    }
    response.write(`${JSON.stringify(line)}\n`);
  };
  const result = await run(write);
  if ('status' in result) {
    if (!streaming) return sendJson(response, result.status, { error: result.error });
    write({ event: 'done', ok: false, message: result.error });
  } else write(result);
  response.end();
}

const ROUTES: Readonly<Record<string, string>> = {
  '/status': 'GET',
  '/logs': 'GET',
  '/reload': 'POST',
  '/scale': 'POST',
  '/down': 'POST',
  '/debug': 'POST',
  '/upgrade': 'POST',
};

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  const text = `${JSON.stringify(value)}\n`;
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

type Body = { ok: true; value: unknown } | { ok: false; status: 400 | 413; error: string };

async function readJsonBody(request: IncomingMessage): Promise<Body> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) {
    request.resume();
    return { ok: false, status: 413, error: `body larger than ${MAX_BODY_BYTES} bytes` };
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      request.resume();
      return { ok: false, status: 413, error: `body larger than ${MAX_BODY_BYTES} bytes` };
    }
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, status: 400, error: `invalid JSON: ${(error as Error).message}` };
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `{"groups": [...]}` (or `{}` for all groups) -> the names, or what is wrong. */
export function parseGroups(value: unknown): string[] | string {
  if (!isRecord(value)) return 'expected a JSON object like {"groups": ["web"]}';
  const groups = value.groups ?? [];
  if (!Array.isArray(groups) || !groups.every((name) => typeof name === 'string')) {
    return '"groups" must be an array of group names';
  }
  return groups as string[];
}

/** `{"counts": {"web": 4}}` -> the counts, or what is wrong. */
export function parseCounts(value: unknown): Record<string, number> | string {
  if (!isRecord(value) || !isRecord(value.counts))
    return 'expected a JSON object like {"counts": {"web": 4}}';
  const counts: Record<string, number> = {};
  const entries = Object.entries(value.counts);
  if (entries.length === 0) return '"counts" names no group';
  for (const [name, count] of entries) {
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > MAX_SCALE_COUNT) {
      return `counts.${name}: must be a whole number from 0 to ${MAX_SCALE_COUNT}, got ${JSON.stringify(count)}`;
    }
    counts[name] = count;
  }
  return counts;
}

/** `{"timeoutMs": 60000, "node": "/usr/bin/node"}` (both optional) -> the options, or what is wrong. */
export function parseUpgrade(value: unknown): UpgradeRequest | string {
  if (!isRecord(value)) return 'expected a JSON object like {"timeoutMs": 60000}';
  const { timeoutMs, node } = value;
  if (
    timeoutMs !== undefined &&
    (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs <= 0)
  ) {
    return `timeoutMs: must be a positive whole number of milliseconds, got ${JSON.stringify(timeoutMs)}`;
  }
  if (node !== undefined && (typeof node !== 'string' || node === '')) return 'node: must be a path';
  return { ...(timeoutMs === undefined ? {} : { timeoutMs }), ...(node === undefined ? {} : { node }) };
}
