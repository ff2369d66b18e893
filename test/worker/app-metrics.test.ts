import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { Counter, Registry, register } from 'prom-client';
import { appMetrics, METRICS_HOOK } from '../../src/worker/app-metrics.ts';

/** A file in this repository: `prom-client` resolves from here to the copy this test process has loaded. */
const HERE = fileURLToPath(import.meta.url);
const hooks = globalThis as Record<symbol, unknown>;

describe('appMetrics (what a worker answers to a metrics request)', () => {
  afterEach(() => {
    delete hooks[METRICS_HOOK];
    register.removeSingleMetric('test_default_total');
  });

  it("reads the default registry of the prom-client the app loaded, resolved from the app's entry", async () => {
    new Counter({ name: 'test_default_total', help: 'x' }).inc(3);
    const [registry] = (await appMetrics(HERE)) as Array<
      Array<{ name: string; values: Array<{ value: number }> }>
    >;
    expect(registry?.find((f) => f.name === 'test_default_total')?.values[0]?.value).to.equal(3);
  });

  it('prefers the registries the app hands over through the global hook', async () => {
    const own = new Registry();
    new Counter({ name: 'own_total', help: 'x', registers: [own] }).inc();
    hooks[METRICS_HOOK] = [own];
    const registries = (await appMetrics(HERE)) as Array<Array<{ name: string }>>;
    expect(registries.map((r) => r.map((f) => f.name))).to.deep.equal([['own_total']]);
  });

  it('answers with nothing for an app that cannot resolve prom-client, or has no entry', async () => {
    expect(await appMetrics('/nonexistent/app/server.js')).to.deep.equal([]);
    expect(await appMetrics(undefined)).to.deep.equal([]);
  });
});
