import type { MetricsConfig } from '../../config/schema.ts';

/**
 * Env overrides of `metrics.host` / `metrics.port`, so one image runs the same config file locally
 * (endpoint off or on 127.0.0.1) and in a pod, where the kubelet probes the pod's address.
 */
export const ENV_METRICS_HOST = 'ORCHESTRATOR_METRICS_HOST';
export const ENV_METRICS_PORT = 'ORCHESTRATOR_METRICS_PORT';

export function metricsAddress(
  config: MetricsConfig,
  env: NodeJS.ProcessEnv = process.env,
): { host: string; port: number } | null {
  const host = env[ENV_METRICS_HOST] || config.host;
  const rawPort = env[ENV_METRICS_PORT];
  const port = rawPort === undefined || rawPort === '' ? config.port : Number(rawPort);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new Error(`${ENV_METRICS_PORT} must be a port number (0-65535), got '${rawPort}'`);
  return port === 0 ? null : { host, port };
}
