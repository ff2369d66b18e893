import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { useCluster } from '../helpers/cluster-fixture.ts';
import { freePort } from '../helpers/free-port.ts';
import { eventually, getJson, runLoad } from '../helpers/load.ts';
import { statusJson } from './status-cli.ts';
import { isAlive, type WorkerProcess, workerProcesses } from './worker-processes.ts';

const CHAOS_MS = 30_000;
const KILL_EVERY_MS = 200;
const CONNECTIONS = 8;
const APP = fileURLToPath(new URL('./listening-app.ts', import.meta.url));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function group(port: number, count: number, marker: string, listenedFile: string): Record<string, unknown> {
  return {
    entry: APP,
    count,
    env: { PORT: String(port), MARKER: marker, LISTENED_FILE: listenedFile },
    // Killing a worker every 200 ms is a crash loop by any measure: the default guard (10 restarts a
    // minute, exponential backoff) would rightly give up. The chaos is deliberate, so respawns are allowed.
    backoff: { strategy: 'fixed', delayMs: 50 },
    restart: { maxRestarts: 100_000, windowMs: 60_000 },
    health: { heartbeatTimeoutMs: 1500 },
    shutdown: { timeoutMs: 2000 },
  };
}

describe('chaos: SIGKILLs, a hung worker and config edits under keep-alive load', function () {
  this.timeout(120_000);
  const cluster = useCluster();

  it('ends with every group at full strength, the primary responsive, and failures bounded by the requests in flight on killed workers', async () => {
    const webPort = await freePort();
    const sidePort = await freePort();
    const listenedFile = join(cluster.dir.path, 'listened.txt');
    writeFileSync(listenedFile, '');
    const listened = () =>
      new Set(readFileSync(listenedFile, 'latin1').split('\n').filter(Boolean).map(Number));
    const config = (marker: string) => ({
      groups: {
        web: group(webPort, 3, marker, listenedFile),
        side: group(sidePort, 1, marker, listenedFile),
      },
    });
    const up = cluster.start(config('one'));
    await up.waitForMessage('cluster ready', 30_000);
    const primary = up.child.pid as number;
    const url = `http://127.0.0.1:${webPort}/`;

    // Bounded in requests and time; a request stuck on the hung worker fails after 15 s rather than 300 s.
    const load = runLoad({
      timeoutMs: 15_000,
      url,
      connections: CONNECTIONS,
      rate: 1200,
      durationMs: CHAOS_MS + 2000,
      maxRequests: 60_000,
    });
    const kills = { web: 0, side: 0 };
    let hung: number | undefined;
    const started = Date.now();

    // The edits run beside the kills: a valid one (a new env rolls the web group) and then a broken one.
    const edits = (async () => {
      await sleep(8000);
      cluster.dir.writeConfig(config('two'));
      await up.waitFor((r) => r.msg === 'config applied' && r.generation === 2, 10_000, 'the valid edit');
      await sleep(8000);
      cluster.dir.writeConfig({
        groups: { ...config('three').groups, web: { ...config('three').groups.web, replicas: 3 } },
      });
      await up.waitFor(
        (r) => String(r.msg).startsWith('config edit refused'),
        10_000,
        'the broken edit refused',
      );
    })();
    edits.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled

    try {
      while (Date.now() - started < CHAOS_MS) {
        const workers = workerProcesses(primary);
        const listening = listened();
        // A web worker is killed only while another one (not the hung one) listens: the bound below is about
        // requests in flight on killed workers, while a moment with no web worker listening at all would
        // refuse new connections (a failure made by the test's timing: a respawn takes ~0.5-1 s on 2 busy cores).
        const serving = (w: WorkerProcess) => w.group === 'web' && w.pid !== hung && listening.has(w.pid);
        const mayKill = (w: WorkerProcess) =>
          w.pid !== hung &&
          (w.group !== 'web' || workers.some((other) => other.pid !== w.pid && serving(other)));
        if (hung === undefined && Date.now() - started > 4000) {
          // One web worker stops dead (SIGSTOP: no heartbeats, no IPC): the primary must notice and replace it.
          const victim = workers.find(
            (w) => serving(w) && workers.some((o) => o.pid !== w.pid && serving(o)),
          );
          if (victim) {
            process.kill(victim.pid, 'SIGSTOP');
            hung = victim.pid;
          }
        } else {
          const candidates = workers.filter(mayKill);
          const victim = candidates[Math.floor(Math.random() * candidates.length)];
          if (victim) {
            try {
              process.kill(victim.pid, 'SIGKILL');
              kills[victim.group === 'web' ? 'web' : 'side'] += 1;
            } catch {
              // It exited on its own just now.
            }
          }
        }
        await sleep(KILL_EVERY_MS);
      }
      await edits;
      const result = await load;

      // Every group back at full strength, as `orchestrator status` reports it and as /proc shows it.
      const status = await eventually(
        async () => {
          const s = await statusJson(cluster.dir.configFile, cluster.dir.path);
          for (const g of s.groups) {
            const ready = g.workers.filter((w) => w.state === 'ready').length;
            if (g.state !== 'running' || ready !== g.desired)
              throw new Error(`${g.name}: ${g.state}, ${ready}/${g.desired}`);
          }
          return s;
        },
        20_000,
        250,
      );
      expect(status.groups.map((g) => [g.name, g.desired])).to.deep.equal([
        ['web', 3],
        ['side', 1],
      ]);
      const processes = workerProcesses(primary);
      expect(processes.filter((w) => w.group === 'web')).to.have.length(3);
      expect(processes.filter((w) => w.group === 'side')).to.have.length(1);
      // The valid edit was applied; the broken one, saved last, changed nothing and is reported.
      expect(status.config.generation).to.equal(2);
      expect(status.config.error).to.be.a('string');

      // The hung worker was replaced through its missing heartbeats, and killed (a stopped process ignores TERM).
      expect(hung, 'a worker was stopped').to.be.a('number');
      expect(up.count((r) => r.msg === 'heartbeat missed' && r.group === 'web')).to.be.at.least(1);
      expect(isAlive(hung as number), 'the hung worker is gone').to.equal(false);

      // The primary is alive and answers, and so does the web group.
      expect(up.child.exitCode).to.equal(null);
      expect((await getJson(url)).group).to.equal('web');

      // Each connection has at most one request in flight, so a killed web worker (or the hung one) can fail
      // at most one request per connection: failures <= (web kills + 1) x connections.
      expect(kills.web, 'web workers killed').to.be.at.least(10);
      expect(result.ok, 'requests served').to.be.greaterThan(5000);
      expect(result.failed, JSON.stringify({ kills, reasons: result.reasons })).to.be.at.most(
        (kills.web + 1) * CONNECTIONS,
      );
      process.stdout.write(
        `      chaos: ${kills.web} web + ${kills.side} side kills, ${result.ok} ok, ${result.failed} failed ${JSON.stringify(result.reasons)}\n`,
      );
    } finally {
      // Whatever happened above, a stopped process must not outlive the test (cleanup then proves none did).
      if (hung !== undefined && isAlive(hung)) process.kill(hung, 'SIGKILL');
    }
  });
});
