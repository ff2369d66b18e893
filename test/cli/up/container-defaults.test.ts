import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { orchestrator } from '../../helpers/cli.ts';
import { app } from '../../helpers/cluster-dir.ts';
import { useCluster } from '../../helpers/cluster-fixture.ts';
import { freePort } from '../../helpers/free-port.ts';
import { eventually, getText } from '../../helpers/load.ts';
import { family, parsePrometheus } from '../../primary/metrics/prometheus-text.ts';

describe("orchestrator up: container-aware 'auto'", function () {
  this.timeout(60_000);
  const cluster = useCluster();
  let cgroup: string;
  beforeEach(() => {
    cgroup = mkdtempSync(join(tmpdir(), 'fake-cgroup-'));
  });
  afterEach(() => rmSync(cgroup, { recursive: true, force: true }));

  it('runs one worker per CPU of the cgroup quota and gives each a share of the memory limit', async () => {
    writeFileSync(join(cgroup, 'cpu.max'), '150000 100000\n');
    writeFileSync(join(cgroup, 'memory.max'), `${512 * 1024 * 1024}\n`);
    const metricsPort = await freePort();
    const up = cluster.start(
      {
        groups: {
          web: {
            entry: app('http-info.ts'),
            count: 'auto',
            health: { maxMemoryMb: 'auto' },
            env: { PORT: String(await freePort()) },
          },
        },
        metrics: { port: metricsPort },
      },
      { ORCHESTRATOR_CGROUP_ROOT: cgroup },
    );
    const ready = await up.waitFor((record) => record.group === 'web' && record.desired !== undefined);
    expect(ready.desired).to.equal(1);

    const status = await orchestrator(['status', '--json'], cluster.dir.path);
    const web = JSON.parse(status.stdout).groups[0];
    expect(web.auto).to.deep.equal({
      count: { value: 1, reason: 'cgroup cpu.max 150000/100000' },
      maxMemoryMb: { value: 409, reason: `0.8 × cgroup memory.max ${512 * 1024 * 1024} / 1 workers` },
    });
    const table = await orchestrator(['status'], cluster.dir.path);
    expect(table.stdout).to.include('web: count auto = 1 (cgroup cpu.max 150000/100000)');

    const families = await eventually(async () =>
      parsePrometheus(await getText(`http://127.0.0.1:${metricsPort}/metrics`)),
    );
    const auto = family(families, 'orchestrator_group_auto_setting').metrics;
    expect(auto).to.deep.include({
      value: '1',
      labels: { group: 'web', setting: 'count', reason: 'cgroup cpu.max 150000/100000' },
    });
  });

  it('runs one worker under taskset -c 0', async () => {
    const up = cluster.start(
      { groups: { web: { entry: app('http-info.ts'), env: { PORT: String(await freePort()) } } } },
      {},
      ['taskset', '-c', '0'],
    );
    const ready = await up.waitFor((record) => record.group === 'web' && record.desired !== undefined);
    expect(ready.desired).to.equal(1);
    const status = JSON.parse((await orchestrator(['status', '--json'], cluster.dir.path)).stdout);
    expect(status.groups[0].auto.count).to.deep.equal({ value: 1, reason: 'os.availableParallelism() 1' });
  });
});
