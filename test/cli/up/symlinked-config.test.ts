import { mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import type { StatusJson } from '../../../src/primary/status.ts';
import { orchestrator } from '../../helpers/cli.ts';
import { app, ClusterDir } from '../../helpers/cluster-dir.ts';
import { freePort } from '../../helpers/free-port.ts';
import { eventually, getJson } from '../../helpers/load.ts';
import { UpProcess } from '../../helpers/up-process.ts';

/**
 * `up -c LINK` keeps following the link: a config mounted as a Kubernetes ConfigMap or deployed behind a
 * `current -> releases/N` link is applied when the link moves, and the control commands run with the same
 * `-c` still find the cluster.
 */
describe('up: a config reached through symlinks', function () {
  this.timeout(90_000);
  let dir: ClusterDir;
  let runs: UpProcess[] = [];
  beforeEach(() => {
    dir = new ClusterDir();
  });
  afterEach(async () => {
    const leftovers = (await Promise.all(runs.map((up) => up.cleanup()))).flatMap((r) => r.leftovers);
    runs = [];
    dir.remove();
    expect(leftovers, 'processes that outlived their primary').to.deep.equal([]);
  });

  const config = (port: number, marker: string) =>
    JSON.stringify({
      groups: { web: { entry: app('http-info.ts'), count: 2, env: { PORT: String(port), MARKER: marker } } },
    });

  /** Starts `up -c file`, waits until it is ready, and returns what a later check needs. */
  async function start(file: string, port: number) {
    const up = UpProcess.start(file, { cwd: dir.path });
    runs.push(up);
    await up.waitForMessage('cluster ready', 30_000);
    const markers = async () => {
      const seen = new Set<unknown>();
      for (let i = 0; i < 6; i++) seen.add((await getJson(`http://127.0.0.1:${port}/`)).marker);
      return [...seen];
    };
    const status = async (): Promise<StatusJson> => {
      const result = await orchestrator(['status', '--json', '-c', file], dir.path);
      expect(result.code, result.stderr).to.equal(0);
      return JSON.parse(result.stdout) as StatusJson;
    };
    return { up, markers, status };
  }

  it('applies a Kubernetes ConfigMap update (..data swapped) and rolls the workers', async () => {
    const port = await freePort();
    mkdirSync(join(dir.path, '..2026_11_30_v1'));
    writeFileSync(join(dir.path, '..2026_11_30_v1', 'cluster.config.json'), config(port, 'one'));
    symlinkSync('..2026_11_30_v1', join(dir.path, '..data'));
    symlinkSync('..data/cluster.config.json', join(dir.path, 'cluster.config.json'));
    const { markers, status } = await start(join(dir.path, 'cluster.config.json'), port);
    expect(await markers()).to.deep.equal(['one']);

    // What the kubelet does on an update: a new folder, a new ..data renamed over the old, the old removed.
    mkdirSync(join(dir.path, '..2026_11_30_v2'));
    writeFileSync(join(dir.path, '..2026_11_30_v2', 'cluster.config.json'), config(port, 'two'));
    symlinkSync('..2026_11_30_v2', join(dir.path, '..data_tmp'));
    renameSync(join(dir.path, '..data_tmp'), join(dir.path, '..data'));
    rmSync(join(dir.path, '..2026_11_30_v1'), { recursive: true });

    const rolled = await eventually(async () => {
      const s = await status();
      if (s.config.generation !== 2 || s.groups[0]?.state !== 'running') throw new Error(JSON.stringify(s));
      return s;
    }, 30_000);
    expect(rolled.config.path).to.equal(join(dir.path, 'cluster.config.json'));
    expect(await markers()).to.deep.equal(['two']);
  });

  it('applies a retargeted `current -> releases/N` link, and `status -c` still finds the cluster', async () => {
    const port = await freePort();
    for (const [n, marker] of [
      [1, 'one'],
      [2, 'two'],
    ] as const) {
      mkdirSync(join(dir.path, 'releases', String(n)), { recursive: true });
      writeFileSync(join(dir.path, 'releases', String(n), 'cluster.config.json'), config(port, marker));
    }
    symlinkSync('releases/1', join(dir.path, 'current'));
    const { markers, status } = await start(join('current', 'cluster.config.json'), port);
    expect(await markers()).to.deep.equal(['one']);

    // `ln -sfn releases/2 current`, atomically.
    symlinkSync('releases/2', join(dir.path, 'current.tmp'));
    renameSync(join(dir.path, 'current.tmp'), join(dir.path, 'current'));

    await eventually(async () => {
      const s = await status();
      if (s.config.generation !== 2 || s.groups[0]?.state !== 'running') throw new Error(JSON.stringify(s));
    }, 30_000);
    expect(await markers()).to.deep.equal(['two']);
  });

  it('applies a config file deleted and created again', async () => {
    const port = await freePort();
    const file = join(dir.path, 'cluster.config.json');
    writeFileSync(file, config(port, 'one'));
    const { up, markers, status } = await start(file, port);
    rmSync(file);
    // Nothing to apply while it is missing: no rejected edit either.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    writeFileSync(file, config(port, 'two'));
    await eventually(async () => {
      const s = await status();
      if (s.config.generation !== 2 || s.groups[0]?.state !== 'running') throw new Error(JSON.stringify(s));
    }, 30_000);
    expect(await markers()).to.deep.equal(['two']);
    expect(
      up.count((r) => r.msg === 'config edit refused: the config has errors; nothing was changed'),
    ).to.equal(0);
  });
});
