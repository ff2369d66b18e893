import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { request } from 'undici';
import { app } from '../../helpers/cluster-dir.ts';
import { useCluster } from '../../helpers/cluster-fixture.ts';
import { freePort } from '../../helpers/free-port.ts';
import { eventually, getJson, getText } from '../../helpers/load.ts';
import { family, type ParsedFamily, parsePrometheus } from './prometheus-text.ts';

const PROM_APP = fileURLToPath(new URL('./fixtures/prom-app.ts', import.meta.url));

async function get(url: string): Promise<{ status: number; body: string }> {
  const response = await request(url, { reset: true });
  return { status: response.statusCode, body: await response.body.text() };
}

function value(f: ParsedFamily, labels: Record<string, string>): number {
  const found = f.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  if (found?.value === undefined) throw new Error(`${f.name}: no sample with ${JSON.stringify(labels)}`);
  return Number(found.value);
}

describe('orchestrator up: metrics endpoint', function () {
  this.timeout(60_000);
  const cluster = useCluster();

  it("serves group and worker metrics, heartbeat resources and every worker's own prom-client metrics", async () => {
    const [metricsPort, webPort, osPort] = [await freePort(), await freePort(), await freePort()];
    const up = cluster.start({
      groups: {
        web: { entry: PROM_APP, count: 2, env: { PORT: String(webPort) } },
        // Workers of an 'os' group run under a helper primary: their metrics travel one hop further.
        side: { entry: PROM_APP, count: 1, scheduling: 'os', env: { PORT: String(osPort) } },
      },
      metrics: { port: metricsPort },
    });
    await up.waitForMessage('cluster ready');
    const base = `http://127.0.0.1:${metricsPort}`;
    for (let i = 0; i < 6; i++) await getJson(`http://127.0.0.1:${webPort}/hello`);
    await getJson(`http://127.0.0.1:${osPort}/side`);

    expect(await getText(`${base}/healthz`)).to.equal('ok\n');
    expect(JSON.parse(await getText(`${base}/readyz`))).to.deep.include({ ready: true });

    // Heartbeats come every second: wait until both have reported for every worker.
    const families = await eventually(async () => {
      const parsed = parsePrometheus(await getText(`${base}/metrics`));
      expect(family(parsed, 'orchestrator_worker_resident_memory_bytes').metrics).to.have.length(3);
      return parsed;
    });
    expect(value(family(families, 'orchestrator_group_desired_workers'), { group: 'web' })).to.equal(2);
    expect(value(family(families, 'orchestrator_group_state'), { group: 'web', state: 'running' })).to.equal(
      1,
    );
    expect(value(family(families, 'orchestrator_group_workers'), { group: 'web', state: 'ready' })).to.equal(
      2,
    );
    expect(value(family(families, 'orchestrator_group_workers'), { group: 'side', state: 'ready' })).to.equal(
      1,
    );
    expect(value(family(families, 'orchestrator_config_generation'), {})).to.equal(1);

    const web = { group: 'web', index: '0' };
    expect(value(family(families, 'orchestrator_worker_resident_memory_bytes'), web)).to.be.greaterThan(10e6);
    expect(value(family(families, 'orchestrator_worker_event_loop_delay_seconds'), web)).to.be.at.least(0);
    const cpu = family(families, 'orchestrator_worker_cpu_seconds_total');
    expect(cpu.type).to.equal('COUNTER');
    expect(value(cpu, { ...web, mode: 'user' })).to.be.greaterThan(0);
    const started = value(family(families, 'orchestrator_worker_start_time_seconds'), web);
    expect(Math.abs(started - Date.now() / 1000)).to.be.lessThan(120);
    expect(family(families, 'orchestrator_primary_process_resident_memory_bytes').metrics).to.have.length(1);

    // The apps' own counters: one series per worker, labelled with its group, slot and id.
    const requests = family(families, 'app_requests_total');
    const byWorker = requests.metrics.filter((m) => m.labels?.route === '/hello');
    expect(byWorker.reduce((sum, m) => sum + Number(m.value), 0)).to.equal(6);
    for (const m of byWorker) expect(m.labels).to.have.keys('route', 'group', 'index', 'worker_id');
    expect(value(requests, { group: 'side', index: '0', route: '/side' })).to.equal(1);
    const up1 = family(families, 'orchestrator_worker_app_metrics_up');
    expect(up1.metrics.map((m) => m.value)).to.deep.equal(['1', '1', '1']);
  });

  it('says which group is not ready on /readyz (503) and counts a crash loop, while /healthz stays 200', async () => {
    const [metricsPort, webPort] = [await freePort(), await freePort()];
    const up = cluster.start({
      groups: {
        web: { entry: PROM_APP, count: 1, env: { PORT: String(webPort) } },
        broken: {
          entry: app('crash-at-start.ts'),
          count: 1,
          backoff: { strategy: 'none' },
          restart: { maxRestarts: 1, windowMs: 60_000 },
        },
      },
      metrics: { port: metricsPort },
    });
    const base = `http://127.0.0.1:${metricsPort}`;
    await up.waitFor(
      (r) => typeof r.msg === 'string' && r.msg.startsWith('group failed'),
      20_000,
      'group failed',
    );
    // The healthy group may still be starting on a busy machine when the broken one has already given up.
    await up.waitFor((r) => r.msg === 'group ready' && r.group === 'web', 30_000, 'web ready');

    const ready = await get(`${base}/readyz`);
    expect(ready.status).to.equal(503);
    const body = JSON.parse(ready.body) as { ready: boolean; short: Array<{ group: string; state: string }> };
    expect(body.ready).to.equal(false);
    expect(body.short.map((g) => [g.group, g.state])).to.deep.equal([['broken', 'failed']]);
    expect((await get(`${base}/healthz`)).status).to.equal(200);

    const families = parsePrometheus(await getText(`${base}/metrics`));
    expect(value(family(families, 'orchestrator_group_failures_total'), { group: 'broken' })).to.equal(1);
    expect(
      value(family(families, 'orchestrator_group_state'), { group: 'broken', state: 'failed' }),
    ).to.equal(1);
    expect((await get(`${base}/nope`)).status).to.equal(404);
  });

  it('counts reloads and their duration after a reload (SIGHUP)', async () => {
    const [metricsPort, webPort] = [await freePort(), await freePort()];
    const up = cluster.start({
      groups: { web: { entry: PROM_APP, count: 2, env: { PORT: String(webPort) } } },
      metrics: { port: metricsPort },
    });
    await up.waitForMessage('cluster ready');
    up.signal('SIGHUP');
    const { text, families } = await eventually(async () => {
      const text = await getText(`http://127.0.0.1:${metricsPort}/metrics`);
      const families = parsePrometheus(text);
      const finished = { group: 'web', result: 'finished' };
      expect(value(family(families, 'orchestrator_reloads_total'), finished)).to.equal(1);
      return { text, families };
    }, 30_000);
    expect(text).to.match(/^orchestrator_reload_duration_seconds_count\{group="web"\} 1$/m);
    const seconds = Number(
      /^orchestrator_reload_duration_seconds_sum\{group="web"\} (\S+)$/m.exec(text)?.[1],
    );
    expect(seconds).to.be.greaterThan(0).and.lessThan(30);
    expect(value(family(families, 'orchestrator_config_last_reload_successful'), {})).to.equal(1);
  });

  it('counts a rejected config and says the last one was not applied', async () => {
    const [metricsPort, webPort] = [await freePort(), await freePort()];
    const config = {
      groups: { web: { entry: PROM_APP, count: 1, env: { PORT: String(webPort) } } },
      metrics: { port: metricsPort },
      watch: false,
    };
    const up = cluster.start(config);
    await up.waitForMessage('cluster ready');
    cluster.dir.writeConfig({ ...config, groups: { web: { ...config.groups.web, count: -1 } } });
    up.signal('SIGHUP');

    const families = await eventually(async () => {
      const parsed = parsePrometheus(await getText(`http://127.0.0.1:${metricsPort}/metrics`));
      expect(value(family(parsed, 'orchestrator_config_errors_total'), {})).to.equal(1);
      return parsed;
    }, 20_000);
    expect(value(family(families, 'orchestrator_config_last_reload_successful'), {})).to.equal(0);
    expect(value(family(families, 'orchestrator_config_generation'), {})).to.equal(1);
  });

  it('serves nothing when metrics.port is 0 (the default)', async () => {
    const webPort = await freePort();
    const up = cluster.start({
      groups: { web: { entry: PROM_APP, count: 1, env: { PORT: String(webPort) } } },
    });
    await up.waitForMessage('cluster ready');
    expect(up.count((r) => r.msg === 'metrics endpoint listening (/metrics, /healthz, /readyz)')).to.equal(0);
  });
});
