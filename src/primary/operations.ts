import type { Logger } from 'pino';
import type { MetricsConfig } from '../config/schema.ts';
import { metricsAddress } from './metrics/address.ts';
import type { MetricsHandle, MetricsSource } from './metrics/start-metrics.ts';
import { notifySystemd } from './systemd/notify-readiness.ts';
import { sdNotifier } from './systemd/sd-notify.ts';

/**
 * As PID 1 (a container started without an init) signals still work, since `up` handles the ones it needs,
 * but orphaned processes (a worker's own children whose parent died) are re-parented to PID 1 and Node never
 * reaps processes it did not start itself: they stay zombies. An init such as tini reaps them.
 */
export const PID1_ADVICE =
  'running as PID 1: orphaned processes will not be reaped; run under an init (docker run --init, or tini as the ENTRYPOINT)';

export interface Operations {
  /** The config generation now applied (1 for the first config). */
  configApplied(generation: number): void;
  configRejected(): void;
  close(): Promise<void>;
}

/**
 * What the machine around `orchestrator up` talks to: the metrics/health endpoint (when `metrics.port` or
 * ORCHESTRATOR_METRICS_PORT is set) and systemd's readiness protocol (when NOTIFY_SOCKET is set). Both only
 * read the supervisor's public view; neither can change what the cluster does. The endpoint's address is
 * read once at start: an edit of `metrics` takes effect at the next start.
 */
export async function startOperations(
  supervisor: MetricsSource,
  config: MetricsConfig,
  log: Logger,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Operations> {
  if (process.pid === 1) log.warn(PID1_ADVICE);
  // prom-client and the endpoint cost the primary ~10 MB: loaded only when the endpoint is on.
  let metrics: MetricsHandle | null = null;
  if (metricsAddress(config, env) !== null) {
    const { startMetrics } = await import('./metrics/start-metrics.ts');
    metrics = await startMetrics(supervisor, config, log, env);
  }
  const notifier = sdNotifier(env, (message) => log.warn(message));
  const stopNotifying = notifier === null ? () => {} : notifySystemd(supervisor, notifier);
  return {
    configApplied: (generation) => metrics?.configApplied(generation),
    configRejected: () => metrics?.configRejected(),
    async close() {
      stopNotifying();
      await metrics?.close();
    },
  };
}
