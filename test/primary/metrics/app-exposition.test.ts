import { expect } from 'chai';
import { Counter, Histogram, Registry } from 'prom-client';
import { renderAppMetrics, type WorkerAppMetrics } from '../../../src/primary/metrics/app-exposition.ts';
import { family, parsePrometheus } from './prometheus-text.ts';

/** What a worker sends: its registries' getMetricsAsJSON(), through JSON as over IPC. */
async function workerReport(
  index: number,
  id: number,
  fill: (registry: Registry) => void,
): Promise<WorkerAppMetrics> {
  const registry = new Registry();
  fill(registry);
  const json = JSON.parse(JSON.stringify(await registry.getMetricsAsJSON())) as unknown[];
  return { labels: { group: 'web', index: String(index), worker_id: String(id) }, registries: [json] };
}

describe("renderAppMetrics (workers' own prom-client metrics)", () => {
  it('labels every sample with its worker and merges same-named families under one header', async () => {
    const counting = (n: number) => (registry: Registry) => {
      new Counter({
        name: 'http_requests_total',
        help: 'Requests.',
        labelNames: ['route'],
        registers: [registry],
      }).inc({ route: '/' }, n);
    };
    const text = renderAppMetrics(
      [await workerReport(0, 7, counting(5)), await workerReport(1, 8, counting(3))],
      new Set(),
    );
    const requests = family(parsePrometheus(text), 'http_requests_total');
    expect(requests.type).to.equal('COUNTER');
    expect(requests.metrics).to.deep.equal([
      { value: '5', labels: { route: '/', group: 'web', index: '0', worker_id: '7' } },
      { value: '3', labels: { route: '/', group: 'web', index: '1', worker_id: '8' } },
    ]);
  });

  it('keeps histograms whole: buckets, sum and count per worker', async () => {
    const report = await workerReport(0, 1, (registry) => {
      const h = new Histogram({
        name: 'latency_seconds',
        help: 'Latency.',
        buckets: [0.1, 1],
        registers: [registry],
      });
      h.observe(0.05);
      h.observe(0.5);
    });
    const text = renderAppMetrics([report], new Set());
    const latency = family(parsePrometheus(text), 'latency_seconds');
    expect(latency.type).to.equal('HISTOGRAM');
    expect(latency.metrics[0]?.buckets).to.deep.equal({ '0.1': '1', '1': '2', '+Inf': '2' });
    // parse-prometheus-text-format drops the labels, sum and count of a labelled histogram: read the lines.
    const worker = 'group="web",index="0",worker_id="1"';
    expect(text.split('\n')).to.include.members([
      `latency_seconds_bucket{le="+Inf",${worker}} 2`,
      `latency_seconds_sum{${worker}} 0.55`,
      `latency_seconds_count{${worker}} 2`,
    ]);
  });

  it('drops families the primary exposes itself, and ones whose type disagrees with the first worker', async () => {
    const a = await workerReport(0, 1, (registry) => {
      new Counter({ name: 'orchestrator_group_failures_total', help: 'x', registers: [registry] }).inc();
      new Counter({ name: 'jobs_total', help: 'Jobs.', registers: [registry] }).inc(2);
    });
    const b = {
      labels: { group: 'web', index: '1', worker_id: '2' },
      registries: [
        [{ name: 'jobs_total', help: 'Jobs.', type: 'gauge', values: [{ value: 9, labels: {} }] }],
      ],
    };
    const families = parsePrometheus(
      renderAppMetrics([a, b], new Set(['orchestrator_group_failures_total'])),
    );
    expect([...families.keys()]).to.deep.equal(['jobs_total']);
    expect(family(families, 'jobs_total').metrics.map((m) => m.value)).to.deep.equal(['2']);
  });

  it('ignores malformed reports instead of producing invalid text', () => {
    const junk = {
      labels: { group: 'web', index: '0', worker_id: '1' },
      registries: [
        null,
        [
          42,
          { name: 'bad name' },
          {
            name: 'ok_metric',
            type: 'gauge',
            help: 'line\nbreak',
            values: [{ value: null, labels: { quote: 'a"b' } }],
          },
        ],
      ],
    };
    const ok = family(parsePrometheus(renderAppMetrics([junk], new Set())), 'ok_metric');
    expect(ok.help).to.equal('line\nbreak');
    expect(ok.metrics).to.deep.equal([
      { value: 'NaN', labels: { quote: 'a"b', group: 'web', index: '0', worker_id: '1' } },
    ]);
  });
});
