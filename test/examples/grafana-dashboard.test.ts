import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { app } from '../helpers/cluster-dir.ts';
import { useCluster } from '../helpers/cluster-fixture.ts';
import { freePort } from '../helpers/free-port.ts';
import { eventually, getText } from '../helpers/load.ts';
import { parsePrometheus } from '../primary/metrics/prometheus-text.ts';
import { labelValuesMetric, promqlMetricNames } from './promql-names.ts';

const DASHBOARD = new URL('../../examples/grafana/cluster-orchestrator.json', import.meta.url);

interface Panel {
  type: string;
  title: string;
  targets?: { expr: string }[];
  panels?: Panel[];
}
interface Dashboard {
  panels: Panel[];
  templating: { list: { name: string; type: string; query: string | { query: string } }[] };
  annotations: { list: { expr?: string }[] };
}

/** Every PromQL query of the dashboard: panel targets, variable queries and annotations. */
function queries(dashboard: Dashboard): { where: string; names: string[] }[] {
  const found: { where: string; names: string[] }[] = [];
  const walk = (panels: Panel[]): void => {
    for (const panel of panels) {
      for (const target of panel.targets ?? []) {
        found.push({
          where: `panel "${panel.title}": ${target.expr}`,
          names: promqlMetricNames(target.expr),
        });
      }
      walk(panel.panels ?? []);
    }
  };
  walk(dashboard.panels);
  for (const variable of dashboard.templating.list) {
    if (variable.type !== 'query') continue;
    const query = typeof variable.query === 'string' ? variable.query : variable.query.query;
    const metric = labelValuesMetric(query);
    found.push({
      where: `variable $${variable.name}: ${query}`,
      names: metric === undefined ? [] : [metric],
    });
  }
  for (const annotation of dashboard.annotations.list) {
    if (annotation.expr)
      found.push({ where: `annotation: ${annotation.expr}`, names: promqlMetricNames(annotation.expr) });
  }
  return found;
}

describe('examples/grafana: the dashboard', function () {
  this.timeout(60_000);
  const cluster = useCluster();

  it('finds the metric names in PromQL, and nothing else', () => {
    expect(
      promqlMetricNames(
        'histogram_quantile(0.95, sum by (group, le) (rate(x_bucket{group=~"$group", a="b(c)"}[$__range]))) / on (group) y > bool 1e3',
      ),
    ).to.deep.equal(['x_bucket', 'y']);
    expect(promqlMetricNames('time() - a_seconds offset 5m')).to.deep.equal(['a_seconds']);
    expect(labelValuesMetric('label_values(m{instance=~"$i"}, group)')).to.equal('m');
  });

  it('queries only series that /metrics exports, and shows every one the issue asks for', async () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
    const metricsPort = await freePort();
    const up = cluster.start({
      groups: { web: { entry: app('http-info.ts'), count: 1, env: { PORT: String(await freePort()) } } },
      metrics: { port: metricsPort, http: true },
    });
    await up.waitForMessage('cluster ready');
    // Per-worker series appear with the first heartbeat.
    const families = await eventually(async () => {
      const parsed = parsePrometheus(await getText(`http://127.0.0.1:${metricsPort}/metrics`));
      expect(parsed.get('orchestrator_worker_resident_memory_bytes')?.metrics).to.have.length(1);
      return parsed;
    });
    const exported = (name: string): boolean => {
      if (families.has(name)) return true;
      const base = /^(.*)_(bucket|sum|count)$/.exec(name)?.[1];
      const family = base === undefined ? undefined : families.get(base);
      return family?.type === 'HISTOGRAM' || family?.type === 'SUMMARY';
    };

    const all = queries(dashboard);
    expect(all.length).to.be.greaterThan(15);
    const unknown = all.flatMap(({ where, names }) =>
      names.filter((name) => !exported(name)).map((n) => `${n} in ${where}`),
    );
    expect(unknown, 'names the scrape does not export').to.deep.equal([]);
    for (const { where, names } of all) expect(names, where).to.not.be.empty;

    const used = new Set(all.flatMap(({ names }) => names));
    for (const name of [
      'orchestrator_group_state',
      'orchestrator_group_desired_workers',
      'orchestrator_group_workers',
      'orchestrator_worker_restarts',
      'orchestrator_group_failures_total',
      'orchestrator_reloads_total',
      'orchestrator_reload_duration_seconds_bucket',
      'orchestrator_worker_resident_memory_bytes',
      'orchestrator_worker_cpu_seconds_total',
      'orchestrator_worker_event_loop_delay_seconds',
      'orchestrator_config_generation',
      'orchestrator_config_errors_total',
      'orchestrator_http_requests_total',
      'orchestrator_http_request_duration_seconds_bucket',
      'orchestrator_group_recycles_total',
    ]) {
      expect(used.has(name), name).to.equal(true);
    }
  });
});
