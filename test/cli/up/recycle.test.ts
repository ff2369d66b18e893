import { expect } from 'chai';
import { orchestrator } from '../../helpers/cli.ts';
import { app } from '../../helpers/cluster-dir.ts';
import { useCluster } from '../../helpers/cluster-fixture.ts';
import { freePort } from '../../helpers/free-port.ts';
import { getText, runLoad } from '../../helpers/load.ts';
import { family, parsePrometheus } from '../../primary/metrics/prometheus-text.ts';

interface GroupStatus {
  name: string;
  state: string;
  recycled: { requests: number; uptime: number };
  workers: Array<{ restarts: number; state: string }>;
}

describe('orchestrator up: recycle', function () {
  this.timeout(90_000);
  const cluster = useCluster();

  it('replaces workers after their requests and uptime under keep-alive load with zero failed requests', async () => {
    const [webPort, slowPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
    const up = cluster.start({
      groups: {
        web: {
          entry: app('http-info.ts'),
          count: 2,
          env: { PORT: String(webPort) },
          recycle: { afterRequests: 300 },
        },
        aging: {
          entry: app('http-info.ts'),
          count: 1,
          env: { PORT: String(slowPort) },
          recycle: { afterMs: 2000, jitter: 0 },
        },
      },
      metrics: { port: metricsPort },
    });
    await up.waitForMessage('cluster ready');

    // Paced so each web worker passes its limit every second or two: several recycles within the run.
    const load = runLoad({
      url: `http://127.0.0.1:${webPort}/`,
      connections: 8,
      durationMs: 9000,
      maxRequests: 4000,
      rate: 400,
    });
    const aging = runLoad({
      url: `http://127.0.0.1:${slowPort}/`,
      connections: 2,
      durationMs: 9000,
      maxRequests: 1000,
      rate: 50,
    });
    const [web, old] = await Promise.all([load, aging]);
    expect(web.failed, JSON.stringify(web.reasons)).to.equal(0);
    expect(old.failed, JSON.stringify(old.reasons)).to.equal(0);
    expect(web.ok).to.be.greaterThan(1000);

    const status = JSON.parse((await orchestrator(['status', '--json'], cluster.dir.path)).stdout) as {
      groups: GroupStatus[];
    };
    const byName = new Map(status.groups.map((g) => [g.name, g]));
    expect(byName.get('web')?.recycled.requests).to.be.at.least(2);
    expect(byName.get('aging')?.recycled.uptime).to.be.at.least(2);
    // Planned replacements, not failures: no restarts, no crash-loop.
    for (const group of status.groups) {
      expect(group.state).to.not.equal('failed');
      expect(group.workers.map((w) => w.restarts)).to.deep.equal(group.workers.map(() => 0));
    }
    expect(up.count((r) => r.msg === 'worker exited' && r.failure === true)).to.equal(0);

    const table = await orchestrator(['status'], cluster.dir.path);
    expect(table.stdout).to.match(/^web: recycled \d+ \(\d+ after requests, 0 after uptime\)$/m);

    const families = parsePrometheus(await getText(`http://127.0.0.1:${metricsPort}/metrics`));
    const recycles = family(families, 'orchestrator_group_recycles_total').metrics;
    const byRequests = recycles.find((m) => m.labels?.group === 'web' && m.labels?.cause === 'requests');
    expect(Number(byRequests?.value)).to.be.at.least(2);
  });
});
