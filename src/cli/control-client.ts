import { createInterface } from 'node:readline';
import { locateConfigFile } from '../config/locate.ts';
import type { ControlLine } from '../primary/control/server.ts';
import { controlSocketPath } from '../primary/control/socket-path.ts';
import { http } from '../primary/http-module.ts';
import { type CliIo, EXIT } from './io.ts';

/** The options every control command takes. */
export const CONTROL_OPTIONS = {
  config: { type: 'string', short: 'c' },
  socket: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const CONTROL_HELP = `  -c, --config FILE    find the cluster started from this config (default: discovered as for up, in
                       this folder or the nearest folder above it that has one)
      --socket PATH    the control socket to use instead
  -h, --help           show this help`;

export type Reply = { readonly status: number; readonly body: unknown };

/** Thrown when no cluster answers: the contract's exit 3. */
export class NotRunning extends Error {}

/** Thrown when the cluster took the connection but closed it before answering: exit 1, one line. */
export class ConnectionLost extends Error {}

/** Codes of a connection the other end reset or closed under us. */
const LOST = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

function connectionLost(socketPath: string, code: string): ConnectionLost {
  // A primary out of file descriptors accepts and closes at once (libuv's EMFILE fallback): say so.
  return new ConnectionLost(
    `the cluster closed the connection on ${socketPath} before answering (${code}); ` +
      'it may be out of file descriptors: try again',
  );
}

/** The socket of the cluster for `-c FILE` (or the discovered config), or `--socket PATH`. */
export function socketFor(
  values: { config?: string | undefined; socket?: string | undefined },
  cwd: string,
): string {
  if (values.socket !== undefined) return values.socket;
  const file = locateConfigFile({ file: values.config, cwd, walkUp: true });
  if (file === null) {
    throw new NotRunning(
      `no config file in ${cwd} or any folder above it (cluster.config.ts, ...): run this in the project's folder, or give the config with -c FILE`,
    );
  }
  return controlSocketPath(file);
}

/** One request with a JSON body; the whole JSON answer. */
export async function call(socketPath: string, method: string, path: string, body?: unknown): Promise<Reply> {
  const response = await open(socketPath, method, path, body);
  let text = '';
  try {
    for await (const chunk of response) text += chunk;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw code !== undefined && LOST.has(code) ? connectionLost(socketPath, code) : error;
  }
  return { status: response.statusCode ?? 0, body: text.trim() === '' ? null : JSON.parse(text) };
}

/**
 * One request whose 200 answer is a stream of NDJSON lines: each line is handed to `line` as it arrives.
 * Returns the last line, or the error answer.
 */
export async function stream(
  socketPath: string,
  path: string,
  body: unknown,
  line: (value: ControlLine) => void,
): Promise<Reply & { readonly last: ControlLine | null }> {
  const response = await open(socketPath, 'POST', path, body);
  if (response.statusCode !== 200) {
    let text = '';
    for await (const chunk of response) text += chunk;
    return {
      status: response.statusCode ?? 0,
      body: text.trim() === '' ? null : JSON.parse(text),
      last: null,
    };
  }
  let last: ControlLine | null = null;
  const lines = createInterface({ input: response, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const text of lines) {
      if (text.trim() === '') continue;
      last = JSON.parse(text) as ControlLine;
      line(last);
    }
  } catch {
    // The primary closed the connection (for `down`, because it exited): what arrived is the answer.
  }
  return { status: 200, body: null, last };
}

/** One request to the control socket; the answer as it starts to arrive (utf8). */
export function open(socketPath: string, method: string, path: string, body?: unknown) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
    const req = http.request(
      {
        socketPath,
        method,
        path,
        headers:
          payload === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (response) => {
        response.setEncoding('utf8');
        resolve(response);
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ECONNREFUSED') {
        reject(new NotRunning(`no cluster is running for this config (no answer on ${socketPath})`));
      } else if (error.code !== undefined && LOST.has(error.code)) {
        reject(connectionLost(socketPath, error.code));
      } else reject(error);
    });
    req.end(payload);
  });
}

/** Runs a control command's body, turning "nothing runs" into the contract's exit 3 with one line. */
export async function withCluster(command: string, io: CliIo, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof NotRunning) {
      io.stderr.write(`orchestrator ${command}: ${error.message}\n`);
      return EXIT.notRunning;
    }
    if (error instanceof ConnectionLost) {
      io.stderr.write(`orchestrator ${command}: ${error.message}\n`);
      return EXIT.failed;
    }
    throw error;
  }
}

/** The error text of a refused request. */
export function errorOf(reply: Reply): string {
  const body = reply.body as { error?: unknown } | null;
  return typeof body?.error === 'string' ? body.error : `unexpected answer (HTTP ${reply.status})`;
}
