import type { Logger } from 'pino';
import type { AutoSettings } from '../../config/auto-settings.ts';
import type { MetricsConfig } from '../../config/schema.ts';
import type { Outcome, WorkerId } from '../../policies/types.ts';
import type { GroupView } from '../../policies/view.ts';
import type { PrimaryMessage, WorkerMessage } from '../../worker/protocol.ts';
import { listenProblem, SetupError } from '../setup-error.ts';
import { metricsAddress } from './address.ts';
import { renderAppMetrics } from './app-exposition.ts';
import { createAppMetricsClient } from './app-metrics-client.ts';
import { HeartbeatStats } from './heartbeat-stats.ts';
import { HTTP_METRIC_NAMES, renderHttpMetrics } from './http-exposition.ts';
import { type HttpEndpoint, json, listenHttp, text } from './http-server.ts';
import { createOrchestratorMetrics, liveWorkers, workerLabels } from './orchestrator-registry.ts';
import { readiness } from './readiness.ts';

export { ENV_METRICS_HOST, ENV_METRICS_PORT, metricsAddress } from './address.ts';

/** What metrics need from the supervisor: its public view, its outcomes, and a line to each worker. */
export interface MetricsSource {
  groups(): GroupView[];
  onOutcome(listener: (outcome: Outcome) => void): () => void;
  onWorkerMessage(listener: (worker: WorkerId, message: WorkerMessage) => void): () => void;
  sendToWorker(worker: WorkerId, message: PrimaryMessage): void;
  /** What the groups' `'auto'` settings resolved to, by group. */
  autoSettings?(): Readonly<Record<string, AutoSettings>>;
}

export interface MetricsHandle {
  readonly url: string;
  /** Call with the config generation each time a config is applied (the first one is 1). */
  configApplied(generation: number): void;
  /** Call each time an edited config is rejected. */
  configRejected(): void;
  close(): Promise<void>;
}

/**
 * How long a scrape waits for the workers' own metrics. Workers answer from their event loop, so a busy one
 * can be late; it is then left out of that scrape (`orchestrator_worker_app_metrics_up` 0) rather than
 * holding the scrape, whose default timeout in Prometheus is 10 s.
 */
export const APP_METRICS_TIMEOUT_MS = 1000;

/**
 * Starts `/metrics`, `/healthz` and `/readyz` on the configured address, or nothing (null) when the port is 0.
 *
 * - `/healthz`: 200 while the primary's event loop answers at all (the supervisor is alive).
 * - `/readyz`: 200 when every group has at least its desired number of ready workers, else 503 with a JSON
 *   body naming the groups that are short.
 * - `/metrics`: the orchestrator's metrics, then every worker's own prom-client metrics (asked for over IPC
 *   on the scrape, bounded by APP_METRICS_TIMEOUT_MS).
 */
export async function startMetrics(
  source: MetricsSource,
  config: MetricsConfig,
  logger: Logger,
  env: NodeJS.ProcessEnv = process.env,
): Promise<MetricsHandle | null> {
  const address = metricsAddress(config, env);
  if (address === null) return null;

  const stats = new HeartbeatStats();
  const metrics = createOrchestratorMetrics(stats, () => source.autoSettings?.() ?? {});
  const client = createAppMetricsClient((worker, message) => source.sendToWorker(worker, message));
  const reserved = metrics.names();
  for (const name of HTTP_METRIC_NAMES)
    for (const suffix of ['', '_bucket', '_sum', '_count']) reserved.add(`${name}${suffix}`);

  const stopMessages = source.onWorkerMessage((worker, message) => {
    if (message.orchestrator === 'heartbeat') stats.record(worker, message);
    else if (message.orchestrator === 'metrics') client.answer(worker, message);
  });
  const stopOutcomes = source.onOutcome((outcome) =>
    metrics.outcome(outcome, () => source.groups(), Date.now()),
  );

  const scrape = async (): Promise<string> => {
    const workers = liveWorkers(source.groups());
    const answers = await client.collect(
      workers.map(({ worker }) => worker.id),
      APP_METRICS_TIMEOUT_MS,
    );
    // The snapshot is taken after the wait, so the orchestrator's numbers are as fresh as the scrape.
    const groups = source.groups();
    const up = new Map([...answers.keys()].map((id) => [id, true] as const));
    const own = await metrics.render(groups, up);
    const http = config.http
      ? renderHttpMetrics(
          liveWorkers(groups).flatMap(({ group, worker }) => {
            const beat = stats.get(worker.id)?.http;
            return beat === undefined ? [] : [{ labels: workerLabels(group, worker), stats: beat }];
          }),
        )
      : '';
    const app = renderAppMetrics(
      workers.flatMap(({ group, worker }) => {
        const registries = answers.get(worker.id);
        return registries === undefined ? [] : [{ labels: workerLabels(group, worker), registries }];
      }),
      reserved,
    );
    return own + http + app;
  };

  let endpoint: HttpEndpoint;
  try {
    endpoint = await listenHttp(
      address.host,
      address.port,
      {
        '/metrics': async () => ({
          status: 200,
          contentType: metrics.registry.contentType,
          body: await scrape(),
        }),
        '/healthz': () => text(200, 'ok\n'),
        '/readyz': () => {
          const result = readiness(source.groups());
          return result.ready ? json(200, result) : json(503, result);
        },
      },
      (error) =>
        logger.warn(
          { err: error },
          'metrics endpoint: cannot accept connections (out of file descriptors?); serving again as they come back',
        ),
    );
  } catch (error) {
    stopMessages();
    stopOutcomes();
    // The user's setup (a port taken, a privileged port), not a bug: one line and exit 1 (see `up`).
    throw new SetupError(
      `metrics endpoint: cannot listen on ${address.host}:${address.port}: ${listenProblem(error as NodeJS.ErrnoException)} (metrics.port, or ORCHESTRATOR_METRICS_PORT)`,
    );
  }
  logger.info({ url: endpoint.url }, 'metrics endpoint listening (/metrics, /healthz, /readyz)');

  return {
    url: endpoint.url,
    configApplied: (generation) => metrics.configApplied(generation),
    configRejected: () => metrics.configRejected(),
    async close() {
      stopMessages();
      stopOutcomes();
      await endpoint.close();
    },
  };
}
