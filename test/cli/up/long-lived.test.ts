import http from 'node:http';
import http2 from 'node:http2';
import { expect } from 'chai';
import { io as socketIo } from 'socket.io-client';
import WebSocket from 'ws';
import type { StatusJson } from '../../../src/primary/status.ts';
import { orchestratorInProcess } from '../../helpers/cli.ts';
import { app } from '../../helpers/cluster-dir.ts';
import { useCluster } from '../../helpers/cluster-fixture.ts';
import { freePort } from '../../helpers/free-port.ts';
import type { LogRecord, UpProcess } from '../../helpers/up-process.ts';

/**
 * A reload with clients holding long-lived connections (WebSocket of `ws` and of socket.io, HTTP/2, server-sent
 * events), against real `orchestrator up` runs of apps that have no drain code.
 */

const CLIENTS = 10;
const SPREAD_MS = 2000;
const isRolloutDone = (record: LogRecord) => record.msg === 'rollout finished';

interface Hello {
  readonly pid: number;
  readonly id: number;
}

interface Close {
  readonly code: number;
  readonly reason: string;
  /** Wall-clock ms, comparable with the primary's log `time`. */
  readonly at: number;
  /** The worker that held the connection. */
  readonly pid: number;
  readonly id: number;
}

/** A client that reconnects as soon as its connection closes, remembering who served it and how it closed. */
interface ReconnectingClient {
  readonly served: Hello[];
  readonly closes: Close[];
  connectFailures: number;
  stop(): void;
}

async function until(check: () => boolean, boundMs: number, what: string): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function wsClient(url: string): ReconnectingClient {
  let stopped = false;
  let current: WebSocket | null = null;
  const client: ReconnectingClient = {
    served: [],
    closes: [],
    connectFailures: 0,
    stop: () => {
      stopped = true;
      current?.terminate();
    },
  };
  const connect = (): void => {
    const ws = new WebSocket(url);
    current = ws;
    let hello: Hello | null = null;
    ws.on('message', (data) => {
      if (hello !== null) return;
      hello = JSON.parse(String(data)) as Hello;
      client.served.push(hello);
    });
    ws.on('error', () => {});
    ws.on('close', (code, reason) => {
      if (stopped) return;
      if (hello === null) client.connectFailures++;
      else client.closes.push({ code, reason: String(reason), at: Date.now(), pid: hello.pid, id: hello.id });
      connect();
    });
  };
  connect();
  return client;
}

/**
 * WebSocket transport only: socket.io's default long-polling start needs sticky sessions, which round-robin
 * scheduling does not give (socket.io's own advice for a cluster without them).
 */
function socketIoClient(url: string): ReconnectingClient {
  const socket = socketIo(url, {
    transports: ['websocket'],
    reconnectionDelay: 100,
    reconnectionDelayMax: 500,
  });
  let hello: Hello | null = null;
  const client: ReconnectingClient = {
    served: [],
    closes: [],
    connectFailures: 0,
    stop: () => socket.disconnect(),
  };
  socket.on('hello', (data: Hello) => {
    hello = data;
    client.served.push(data);
  });
  socket.on('connect_error', () => client.connectFailures++);
  socket.on('disconnect', (reason, details) => {
    // On the websocket transport the details carry the WebSocket close event, with the close code.
    const event = (details as { context?: { code?: number; reason?: string } } | undefined)?.context;
    client.closes.push({
      code: event?.code ?? -1,
      reason: `${reason}: ${event?.reason ?? ''}`,
      at: Date.now(),
      pid: hello?.pid ?? -1,
      id: hello?.id ?? -1,
    });
    hello = null;
  });
  return client;
}

/** Polls `status --json` until `done`, returning the most long-lived connections seen on a draining worker. */
async function watchDrainingCounts(cwd: string, done: () => boolean): Promise<number> {
  let most = 0;
  while (!done()) {
    const { code, stdout } = await orchestratorInProcess(['status', '--json'], cwd);
    if (code === 0) {
      const status = JSON.parse(stdout) as StatusJson;
      for (const worker of status.groups.flatMap((group) => group.workers)) {
        if (worker.state === 'draining') most = Math.max(most, worker.longLived ?? 0);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return most;
}

/** Per old worker, from its first long-lived close to its exit, as the primary logged them. */
function drainTimes(up: UpProcess): Map<number, { startedAt: number; exitedAt: number }> {
  const times = new Map<number, { startedAt: number; exitedAt: number }>();
  for (const start of up.records.filter((r) => r.msg === 'draining: closing long-lived connections')) {
    const exit = up.records.find((r) => r.msg === 'worker exited' && r.worker === start.worker);
    if (exit)
      times.set(start.worker as number, { startedAt: start.time as number, exitedAt: exit.time as number });
  }
  return times;
}

function spread(times: readonly number[]): number {
  return times.length === 0 ? 0 : Math.max(...times) - Math.min(...times);
}

describe('orchestrator up: reload with long-lived connections', function () {
  this.timeout(90_000);
  const cluster = useCluster();
  const clients: ReconnectingClient[] = [];
  afterEach(() => {
    for (const client of clients.splice(0)) client.stop();
  });

  async function startCluster(entry: string): Promise<{ up: UpProcess; port: number }> {
    const port = await freePort();
    const up = cluster.start({
      groups: {
        web: {
          entry: app(entry),
          count: 2,
          env: { PORT: String(port) },
          shutdown: { longLived: { spreadMs: SPREAD_MS } },
        },
      },
    });
    await up.waitForMessage('cluster ready');
    return { up, port };
  }

  /** SIGHUP, then waits for the roll and for every client to be served by a new worker again. */
  async function reloadWith(up: UpProcess, connected: readonly ReconnectingClient[]): Promise<Set<number>> {
    const oldPids = new Set(connected.map((client) => client.served[0]?.pid ?? -1));
    let over = false;
    up.signal('SIGHUP');
    const most = watchDrainingCounts(cluster.dir.path, () => over);
    try {
      await up.waitFor(isRolloutDone, 40_000, 'the reload to finish');
      // The roll is done once the new workers serve; the old ones may still be draining.
      const exited = (r: LogRecord) => r.msg === 'worker exited';
      await up.waitFor(() => up.count(exited) >= 2, 20_000, 'both old workers to exit');
    } finally {
      over = true;
    }
    expect(await most, 'long-lived connections of a draining worker in status').to.be.greaterThan(0);
    await until(
      () => connected.every((client) => !oldPids.has(client.served.at(-1)?.pid ?? -1)),
      15_000,
      'every client to be served by a new worker',
    );
    return oldPids;
  }

  function checkCloses(up: UpProcess, connected: readonly ReconnectingClient[], oldPids: Set<number>): void {
    const closes = connected.flatMap((client) => client.closes);
    for (const client of connected) {
      expect(client.closes.length, 'each client was closed by its old worker').to.be.at.least(1);
      expect(client.connectFailures, 'failed reconnects').to.equal(0);
    }
    // Every close was polite: a close frame with 1001 (never 1006, the abnormal closure of a cut socket).
    expect(closes.map((close) => close.code)).to.deep.equal(closes.map(() => 1001));
    // Each close came inside its worker's window (from the drain's start, as the primary logged it; bounded
    // generously, timers run late on a busy machine).
    for (const close of closes) {
      const started = up.records.find(
        (r) => r.msg === 'draining: closing long-lived connections' && r.worker === close.id,
      );
      expect(started, `drain of worker ${close.id} logged`).to.not.equal(undefined);
      expect(close.at - (started?.time as number)).to.be.below(SPREAD_MS + 3000);
    }
    // A worker's clients were closed over its window, not in one burst.
    for (const pid of oldPids) {
      const times = closes.filter((close) => close.pid === pid).map((close) => close.at);
      if (times.length >= 3)
        expect(spread(times), `spread of worker ${pid}'s closes`).to.be.at.least(SPREAD_MS / 3);
    }
    expect(up.count((r) => r.msg === 'draining: long-lived connections closed')).to.be.at.least(1);
    const drains = [...drainTimes(up).values()].map((t) => t.exitedAt - t.startedAt);
    console.log(
      `      ${closes.length} closes (codes ${[...new Set(closes.map((c) => c.code))].join(', ')}); reconnect spread ${spread(closes.map((c) => c.at))} ms; drains took ${drains.join(' and ')} ms`,
    );
  }

  /** A cluster of `entry`, CLIENTS connected clients, a reload: every close checked (see `checkCloses`). */
  async function reloadConnected(
    entry: string,
    connect: (port: number) => ReconnectingClient,
  ): Promise<readonly ReconnectingClient[]> {
    const { up, port } = await startCluster(entry);
    const connected = Array.from({ length: CLIENTS }, () => connect(port));
    clients.push(...connected);
    await until(
      () => connected.every((client) => client.served.length === 1),
      15_000,
      'every client to connect',
    );
    const oldPids = await reloadWith(up, connected);
    checkCloses(up, connected, oldPids);
    return connected;
  }

  it('closes every ws WebSocket with 1001 over the spread window; the clients reconnect to the new workers', async () => {
    const connected = await reloadConnected('long-lived-app.ts', (port) =>
      wsClient(`ws://127.0.0.1:${port}/`),
    );
    expect(connected[0]?.closes[0]?.reason).to.equal('server restarting');
  });

  it('does the same for an unmodified socket.io server: 1001 to each client, which reconnects by itself', async () => {
    const connected = await reloadConnected('socketio-app.ts', (port) =>
      socketIoClient(`http://127.0.0.1:${port}`),
    );
    expect(connected[0]?.closes[0]?.reason).to.equal('transport close: server restarting');
  });

  it('ends a server-sent event stream cleanly (a complete response, not a reset)', async () => {
    const { up, port } = await startCluster('long-lived-app.ts');
    const stream = await new Promise<http.IncomingMessage>((resolve, reject) =>
      http.get(`http://127.0.0.1:${port}/events`, resolve).on('error', reject),
    );
    const outcome = new Promise<{ body: string; complete: boolean; error: string | null }>((resolve) => {
      let body = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        body += chunk;
      });
      stream.on('end', () => resolve({ body, complete: stream.complete, error: null }));
      stream.on('error', (error) => resolve({ body, complete: stream.complete, error: String(error) }));
    });
    up.signal('SIGHUP');

    const ended = await outcome;
    await up.waitFor(isRolloutDone, 40_000, 'the reload to finish');

    expect(ended.error, up.raw.slice(-40).join('\n')).to.equal(null);
    expect(ended.complete, 'the chunked response ended with its final chunk').to.equal(true);
    expect(ended.body).to.match(/^data: \{"pid":\d+/);
  });

  it('sends GOAWAY on an HTTP/2 session and lets its in-flight stream finish', async () => {
    const { up, port } = await startCluster('http2-app.ts');
    const session = http2.connect(`http://127.0.0.1:${port}`);
    try {
      const events: string[] = [];
      session.on('goaway', () => events.push('goaway'));
      const request = session.request({ ':path': '/hold' });
      let headersArrived: () => void = () => {};
      const held = new Promise<void>((resolve) => {
        headersArrived = resolve;
      });
      const response = new Promise<{ status: unknown; body: string }>((resolve, reject) => {
        let status: unknown;
        let body = '';
        request.on('response', (headers) => {
          status = headers[':status'];
          headersArrived();
        });
        request.setEncoding('utf8');
        request.on('data', (chunk: string) => {
          body += chunk;
        });
        request.on('end', () => {
          events.push('stream ended');
          resolve({ status, body });
        });
        request.on('error', reject);
      });
      // The stream is open on an old worker once its headers are here (its body comes only while draining).
      await held;
      up.signal('SIGHUP');

      const answered = await response;
      await up.waitFor(isRolloutDone, 40_000, 'the reload to finish');

      expect(answered.status).to.equal(200);
      expect(answered.body).to.match(/"pid":\d+/);
      // A GOAWAY came before the stream ended (Node may send a second one as the session closes).
      expect(events[0]).to.equal('goaway');
      expect(events).to.include('stream ended');
      // The draining worker counted the session among its long-lived connections (status and logs show it).
      await up.waitFor(
        (r) => r.msg === 'draining: closing long-lived connections' && r.longLived === 1,
        10_000,
        'the drain to report the session',
      );
    } finally {
      session.destroy();
    }
  });
});
