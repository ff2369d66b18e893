import { expect } from 'chai';
import { orchestrator } from '../../helpers/cli.ts';
import { app } from '../../helpers/cluster-dir.ts';
import { useCluster } from '../../helpers/cluster-fixture.ts';
import { freePort } from '../../helpers/free-port.ts';
import { eventually, getText } from '../../helpers/load.ts';
import { family, type ParsedFamily, parsePrometheus } from './prometheus-text.ts';

interface Sample {
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** The samples of one exact metric name in Prometheus text. */
function lines(text: string, name: string): Sample[] {
  return text.split('\n').flatMap((line) => {
    const match = /^([a-z_]+)\{([^}]*)\} (\S+)$/.exec(line);
    if (match?.[1] !== name) return [];
    const labels = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1] ?? '', m[2] ?? '']),
    );
    return [{ labels, value: Number(match[3]) }];
  });
}

/** The sum of a family's samples that carry these labels (over every worker). */
function sum(f: ParsedFamily, labels: Record<string, string>): number {
  return f.metrics
    .filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))
    .reduce((total, m) => total + Number(m.value), 0);
}

describe('orchestrator up: HTTP request metrics (metrics.http)', function () {
  this.timeout(60_000);
  const cluster = useCluster();

  it("counts every worker's requests by status class, in flight and by latency, with no app code", async () => {
    const [metricsPort, webPort, plainPort] = [await freePort(), await freePort(), await freePort()];
    const up = cluster.start({
      groups: {
        web: { entry: app('http-info.ts'), count: 2, env: { PORT: String(webPort) } },
        plain: { entry: app('http-info.ts'), count: 1, env: { PORT: String(plainPort) } },
      },
      metrics: { port: metricsPort, http: true },
    });
    await up.waitForMessage('cluster ready');
    const base = `http://127.0.0.1:${webPort}`;
    for (let i = 0; i < 10; i++) await getText(`${base}/`);
    for (let i = 0; i < 3; i++) await fetch(`${base}/status/404`).then((r) => r.text());
    await fetch(`${base}/status/503`).then((r) => r.text());
    await Promise.all([getText(`${base}/slow`), getText(`${base}/slow`)]);

    // Counters travel with the next heartbeat (every second).
    const families = await eventually(async () => {
      const parsed = parsePrometheus(await getText(`http://127.0.0.1:${metricsPort}/metrics`));
      expect(sum(family(parsed, 'orchestrator_http_requests_total'), { group: 'web' })).to.equal(16);
      return parsed;
    }, 15_000);
    const total = family(families, 'orchestrator_http_requests_total');
    expect(total.type).to.equal('COUNTER');
    expect(sum(total, { group: 'web', code: '2xx' })).to.equal(12);
    expect(sum(total, { group: 'web', code: '4xx' })).to.equal(3);
    expect(sum(total, { group: 'web', code: '5xx' })).to.equal(1);
    expect(sum(total, { group: 'plain' })).to.equal(0);
    expect(sum(family(families, 'orchestrator_http_requests_in_flight'), { group: 'web' })).to.equal(0);

    expect(family(families, 'orchestrator_http_request_duration_seconds').type).to.equal('HISTOGRAM');
    // parse-prometheus-text-format merges a labelled histogram's series into one: read its lines directly.
    const text = await getText(`http://127.0.0.1:${metricsPort}/metrics`);
    const web = (suffix: string, le?: string) =>
      lines(text, `orchestrator_http_request_duration_seconds${suffix}`).filter(
        (l) => l.labels.group === 'web' && (le === undefined || l.labels.le === le),
      );
    expect(web('_count')).to.have.length(2);
    const added = (samples: Sample[]) => samples.reduce((n, sample) => n + sample.value, 0);
    expect(added(web('_count'))).to.equal(16);
    // The two /slow requests take 300 ms: above the 0.25 s bucket, inside 10 s.
    expect(added(web('_bucket', '0.25'))).to.be.at.most(14);
    expect(added(web('_bucket', '10'))).to.equal(16);
    expect(added(web('_bucket', '+Inf'))).to.equal(16);
    expect(added(web('_sum'))).to.be.at.least(0.6);

    // `top` shows each group's request rate and p99 next to the usual columns.
    const top = await orchestrator(['top'], cluster.dir.path);
    expect(top.code, top.stderr).to.equal(0);
    expect(top.stdout).to.match(/^NAME\s+STATE.*LOOP\s+REQ\/S\s+P99$/m);
    expect(top.stdout).to.match(/^web\s+running\s+2\/2\s+0\s+\d+(\.\d)?\s+(-|\d+\.\d ms)$/m);
  });

  it('exposes no request metrics and counts nothing in the workers when metrics.http is off', async () => {
    const [metricsPort, webPort] = [await freePort(), await freePort()];
    const up = cluster.start({
      groups: { web: { entry: app('http-info.ts'), count: 1, env: { PORT: String(webPort) } } },
      metrics: { port: metricsPort },
    });
    await up.waitForMessage('cluster ready');
    await getText(`http://127.0.0.1:${webPort}/`);
    const parsed = await eventually(async () => {
      const families = parsePrometheus(await getText(`http://127.0.0.1:${metricsPort}/metrics`));
      expect(family(families, 'orchestrator_worker_resident_memory_bytes').metrics).to.have.length(1);
      return families;
    });
    expect([...parsed.keys()].filter((name) => name.startsWith('orchestrator_http_'))).to.deep.equal([]);
  });
});
