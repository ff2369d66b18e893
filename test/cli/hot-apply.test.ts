import { renameSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { expect } from 'chai';
import { controlSocketPath } from '../../src/primary/control/socket-path.ts';
import type { StatusJson } from '../../src/primary/status.ts';
import { orchestrator } from '../helpers/cli.ts';
import { app } from '../helpers/cluster-dir.ts';
import { useCluster } from '../helpers/cluster-fixture.ts';
import { freePort } from '../helpers/free-port.ts';
import { eventually, getJson, runLoad } from '../helpers/load.ts';

type Groups = Record<string, Record<string, unknown>>;

describe('live config: edits of the config file are applied', function () {
  this.timeout(90_000);
  const cluster = useCluster();

  async function started(groups: (port: number) => Groups) {
    const port = await freePort();
    const up = cluster.start({ groups: groups(port) });
    await up.waitForMessage('cluster ready');
    const status = async (): Promise<StatusJson> =>
      JSON.parse(
        (await orchestrator(['status', '--json', '-c', cluster.dir.configFile], cluster.dir.path)).stdout,
      );
    /** Saves the config the way editors do: write a temporary file, rename it over the old one. */
    const save = (next: Groups | string) => {
      const text = typeof next === 'string' ? next : JSON.stringify({ groups: next }, null, 2);
      writeFileSync(`${cluster.dir.configFile}.tmp`, text);
      renameSync(`${cluster.dir.configFile}.tmp`, cluster.dir.configFile);
    };
    const until = (what: string, check: (s: StatusJson) => boolean) =>
      eventually(async () => {
        const s = await status();
        if (!check(s)) throw new Error(`waiting for ${what}: ${JSON.stringify(s)}`);
        return s;
      }, 30_000);
    return { up, port, status, save, until };
  }

  const web = (port: number, extra: Record<string, unknown> = {}) => ({
    entry: app('http-info.ts'),
    count: 2,
    env: { PORT: String(port), MARKER: 'one' },
    ...extra,
  });
  const pidsOf = (s: StatusJson, group = 'web') =>
    (s.groups.find((g) => g.name === group)?.workers ?? []).map((w) => w.pid).sort();

  it('rolls a changed env under keep-alive load with zero failed requests', async () => {
    const { port, save, until } = await started((p) => ({ web: web(p) }));
    const url = `http://127.0.0.1:${port}/`;
    const load = runLoad({ url, connections: 16, durationMs: 7000, maxRequests: 200_000 });
    await new Promise((resolve) => setTimeout(resolve, 500));

    save({ web: web(port, { env: { PORT: String(port), MARKER: 'two' } }) });
    await until(
      'generation 2, all ready',
      (s) => s.config.generation === 2 && s.groups[0]?.state === 'running',
    );
    const result = await load;

    expect(result.failed, JSON.stringify(result.reasons)).to.equal(0);
    const markers = new Set<unknown>();
    for (let i = 0; i < 6; i++) markers.add((await getJson(url)).marker);
    expect([...markers]).to.deep.equal(['two']);
  });

  it('scales on a count change, adds and removes groups, keeping the untouched workers', async () => {
    const { status, save, until, port } = await started((p) => ({ web: web(p) }));
    const before = pidsOf(await status());
    const extraPort = await freePort();

    save({
      web: web(port, { count: 3 }),
      extra: { entry: app('http-info.ts'), count: 1, env: { PORT: String(extraPort) } },
    });
    const grown = await until('web at 3 and extra started', (s) => {
      const w = s.groups.find((g) => g.name === 'web');
      const e = s.groups.find((g) => g.name === 'extra');
      return w?.ready === 3 && e?.ready === 1;
    });
    expect(pidsOf(grown).filter((pid) => before.includes(pid))).to.deep.equal(before);
    expect((await getJson(`http://127.0.0.1:${extraPort}/`)).group).to.equal('extra');

    save({ web: web(port, { count: 3 }) });
    const shrunk = await until('extra removed', (s) => s.groups.every((g) => g.name !== 'extra'));
    expect(shrunk.config.generation).to.equal(3);
    expect(pidsOf(shrunk)).to.deep.equal(pidsOf(grown));
  });

  it('applies a policy-only change without restarting any worker', async () => {
    const { status, save, until, port } = await started((p) => ({ web: web(p) }));
    const before = pidsOf(await status());
    save({ web: web(port, { backoff: { strategy: 'fixed', delayMs: 250 }, shutdown: { timeoutMs: 4000 } }) });
    const after = await until('generation 2', (s) => s.config.generation === 2);
    expect(pidsOf(after)).to.deep.equal(before);
  });

  it('says that an edit of metrics applies at the next start', async () => {
    const { up, save, port } = await started((p) => ({ web: web(p) }));
    const metricsPort = await freePort();
    save(JSON.stringify({ groups: { web: web(port) }, metrics: { port: metricsPort } }));
    const said = await up.waitFor((r) => String(r.msg).startsWith('metrics settings changed'), 30_000);
    expect(said.msg).to.include('apply at the next start');
    expect(said.metrics).to.deep.include({ port: metricsPort });
  });

  it('rejects a bad edit with file and key path, changes nothing, and clears the error on the next valid save', async () => {
    const { status, save, until, port } = await started((p) => ({ web: web(p) }));
    const before = pidsOf(await status());

    save({ web: web(port, { count: -1 }) });
    const rejected = await until('the error', (s) => s.config.error !== null);
    expect(rejected.config.error).to.contain(cluster.dir.configFile);
    expect(rejected.config.error).to.contain('groups.web.count');
    expect(rejected.config.generation).to.equal(1);
    expect(pidsOf(rejected)).to.deep.equal(before);

    save('{ "groups": { "web": ');
    const syntax = await until('the syntax error', (s) => s.config.error !== rejected.config.error);
    expect(syntax.config.error).to.contain(cluster.dir.configFile);
    expect(pidsOf(syntax)).to.deep.equal(before);

    save({ web: web(port, { count: 1 }) });
    const fixed = await until('the fix', (s) => s.config.error === null && s.groups[0]?.workers.length === 1);
    expect(fixed.config.generation).to.equal(2);
  });

  it('clears the error when a bad edit is reverted to exactly the running config, and logs it', async () => {
    const { up, status, save, until, port } = await started((p) => ({ web: web(p) }));
    const before = pidsOf(await status());
    save({ web: web(port, { count: -1 }) });
    await until('the error', (s) => s.config.error !== null);
    save({ web: web(port) });
    const reverted = await until('the error cleared', (s) => s.config.error === null);
    expect(reverted.config.generation).to.equal(1);
    expect(pidsOf(reverted)).to.deep.equal(before);
    await up.waitForMessage('config error cleared: the file is valid again');
  });

  it('ends at the last valid config after 20 saves within 2 s', async () => {
    const { save, until, port } = await started((p) => ({ web: web(p, { count: 1 }) }));
    for (let i = 0; i < 20; i++) {
      // Every other save is broken; the last one is valid and asks for 2 workers with marker "last".
      if (i % 2 === 0) save('{ "groups": ');
      else
        save({
          web: web(port, { count: i === 19 ? 2 : 1, env: { PORT: String(port), MARKER: `save-${i}` } }),
        });
      await new Promise((resolve) => setTimeout(resolve, 90));
    }
    await until('two ready workers and no error', (s) => s.config.error === null && s.groups[0]?.ready === 2);
    const markers = new Set<unknown>();
    await eventually(async () => {
      markers.clear();
      for (let i = 0; i < 6; i++) markers.add((await getJson(`http://127.0.0.1:${port}/`)).marker);
      if (markers.size !== 1) throw new Error(`markers ${[...markers]}`);
    }, 20_000);
    expect([...markers]).to.deep.equal(['save-19']);
  });

  it('keeps serving while status is asked for in a flood', async () => {
    const { port } = await started((p) => ({ web: web(p) }));
    const socketPath = controlSocketPath(cluster.dir.configFile);
    const load = runLoad({
      url: `http://127.0.0.1:${port}/`,
      connections: 8,
      durationMs: 3000,
      maxRequests: 100_000,
    });
    let answered = 0;
    const flood = async () => {
      for (let i = 0; i < 100; i++) {
        await new Promise<void>((resolve, reject) => {
          request({ socketPath, path: '/status' }, (response) => {
            response.resume();
            response.on('end', () => {
              answered += response.statusCode === 200 ? 1 : 0;
              resolve();
            });
          })
            .on('error', reject)
            .end();
        });
      }
    };
    await Promise.all([flood(), flood(), flood(), flood()]);
    const result = await load;
    expect(answered).to.equal(400);
    expect(result.failed, JSON.stringify(result.reasons)).to.equal(0);
  });
});
