import { createRequire } from 'node:module';

/**
 * Where an app can hand the orchestrator registries other than prom-client's default one:
 * `globalThis[Symbol.for('cluster-orchestrator.metrics')] = registry` (or an array of them).
 */
export const METRICS_HOOK = Symbol.for('cluster-orchestrator.metrics');

interface RegistryLike {
  getMetricsAsJSON(): unknown;
}

/**
 * The app's own prom-client metrics, as `getMetricsAsJSON()` of each registry (answered on the primary's
 * `metrics-request`, that is, on a scrape: nothing runs between scrapes).
 *
 * Which registries: the hook above when the app set it, otherwise the default registry of the prom-client
 * the app itself loaded, found by resolving `prom-client` from the entry script (so an app with its own copy
 * gets that copy) and taken from the require cache (an ES module import of prom-client, a CommonJS package,
 * lands there too). A prom-client the app never loaded is not loaded here: it could only report an empty
 * registry, and loading it would cost the app memory for nothing.
 */
export async function appMetrics(entry: string | undefined): Promise<unknown[]> {
  const registries = findRegistries(entry);
  const settled = await Promise.allSettled(registries.map(async (registry) => registry.getMetricsAsJSON()));
  return settled.flatMap((result) =>
    result.status === 'fulfilled' && Array.isArray(result.value) ? [result.value] : [],
  );
}

function findRegistries(entry: string | undefined): RegistryLike[] {
  const hooked = (globalThis as Record<symbol, unknown>)[METRICS_HOOK];
  if (hooked !== undefined) return (Array.isArray(hooked) ? hooked : [hooked]).filter(isRegistry);
  if (entry === undefined) return [];
  try {
    const require = createRequire(entry);
    const loaded = require.cache[require.resolve('prom-client')];
    const register = (loaded?.exports as { register?: unknown } | undefined)?.register;
    return isRegistry(register) ? [register] : [];
  } catch {
    // prom-client is not installed for this app.
    return [];
  }
}

function isRegistry(value: unknown): value is RegistryLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { getMetricsAsJSON?: unknown }).getMetricsAsJSON === 'function'
  );
}
