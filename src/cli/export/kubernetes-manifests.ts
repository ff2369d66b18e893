import { basename } from 'node:path';
import type { ClusterConfig } from '../../config/schema.ts';
import { ENV_METRICS_HOST, ENV_METRICS_PORT } from '../../primary/metrics/start-metrics.ts';
import { declaredPorts, longestReloadSeconds, stopTimeoutSeconds } from './derive.ts';

export interface KubernetesOptions {
  /** Object name (a DNS-1123 label) shared by the Deployment, Service and PodDisruptionBudget. */
  readonly name: string;
  readonly image: string;
  readonly replicas: number;
  /** The config file; the image runs it from its working directory by its base name. */
  readonly configFile: string;
}

/** The metrics port in a pod when the config leaves it off (0): prom-client's conventional exporter port. */
export const POD_METRICS_PORT = 9464;
/**
 * How long a terminating pod keeps serving before the primary gets SIGTERM: Kubernetes removes the pod from
 * the Service's endpoints at the same moment it starts stopping it, and proxies and load balancers hear of
 * that a moment later; connections they still send must find the workers up.
 */
export const PRE_STOP_SLEEP_S = 5;

export type Manifest = Record<string, unknown> & { apiVersion: string; kind: string };

/**
 * A Deployment running `orchestrator up` in each pod (the pod runs the config's workers; Kubernetes runs
 * `replicas` pods), a Service for the ports the config declares, and a PodDisruptionBudget.
 *
 * The pod-level rolling update follows the config's reload settings, which count workers: a pod holds at
 * least one worker of every group, so using the smallest `maxSurge` and `maxUnavailable` of any group as pod
 * counts is never less careful than the config. Example: web { maxSurge: 1, maxUnavailable: 0 } -> maxSurge 1,
 * maxUnavailable 0 (a new pod is ready before an old one goes). Both 0 is invalid in Kubernetes: surge 1 then.
 */
export function kubernetesManifests(config: ClusterConfig, options: KubernetesOptions): Manifest[] {
  const { name } = options;
  const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/managed-by': 'cluster-orchestrator' };
  const selector = { 'app.kubernetes.io/name': name };
  const groups = Object.values(config.groups);
  const maxUnavailable = Math.min(...groups.map((g) => g.reload.maxUnavailable));
  const maxSurge = Math.max(Math.min(...groups.map((g) => g.reload.maxSurge)), maxUnavailable === 0 ? 1 : 0);
  const metricsPort = config.metrics.port === 0 ? POD_METRICS_PORT : config.metrics.port;
  const ports = declaredPorts(config);
  const probe = (path: string, periodSeconds: number, failureThreshold: number) => ({
    httpGet: { path, port: 'metrics' },
    periodSeconds,
    timeoutSeconds: 5,
    failureThreshold,
  });

  const deployment: Manifest = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels },
    spec: {
      replicas: options.replicas,
      selector: { matchLabels: selector },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } },
      // A rollout that makes no progress for as long as the slowest group's own reload may take is reported.
      progressDeadlineSeconds: Math.max(60, longestReloadSeconds(config)),
      template: {
        metadata: {
          labels,
          annotations: {
            'prometheus.io/scrape': 'true',
            'prometheus.io/port': String(metricsPort),
            'prometheus.io/path': '/metrics',
          },
        },
        spec: {
          // preStop sleep + every reload order's drain, one after another + the primary's exit margin.
          terminationGracePeriodSeconds: PRE_STOP_SLEEP_S + stopTimeoutSeconds(config),
          containers: [
            {
              name: 'orchestrator',
              image: options.image,
              args: ['up', '-c', basename(options.configFile)],
              env: [
                { name: 'NODE_ENV', value: 'production' },
                // The kubelet probes the pod's address, not 127.0.0.1.
                { name: ENV_METRICS_HOST, value: '0.0.0.0' },
                { name: ENV_METRICS_PORT, value: String(metricsPort) },
              ],
              ports: [
                ...ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: 'TCP' })),
                { name: 'metrics', containerPort: metricsPort, protocol: 'TCP' },
              ],
              readinessProbe: probe('/readyz', 5, 2),
              livenessProbe: probe('/healthz', 10, 3),
              lifecycle: { preStop: { sleep: { seconds: PRE_STOP_SLEEP_S } } },
            },
          ],
        },
      },
    },
  };
  const service: Manifest = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, labels },
    spec: {
      type: 'ClusterIP',
      selector,
      ports: ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.name, protocol: 'TCP' })),
    },
  };
  const budget: Manifest = {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name, labels },
    spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
  };
  return ports.length > 0 ? [deployment, service, budget] : [deployment, budget];
}
