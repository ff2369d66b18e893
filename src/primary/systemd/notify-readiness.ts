import type { Outcome } from '../../policies/types.ts';
import type { GroupView } from '../../policies/view.ts';
import { type Readiness, readiness } from '../metrics/readiness.ts';
import type { SdNotifier } from './sd-notify.ts';

export interface ReadinessSource {
  groups(): GroupView[];
  onOutcome(listener: (outcome: Outcome) => void): () => void;
}

/**
 * Tells systemd (Type=notify) what the cluster is doing: READY=1 the first time every group is ready, so
 * `systemctl start` and units ordered `After=` it wait for serving workers, not for a started primary;
 * STATUS= lines as readiness changes (shown by `systemctl status`); STOPPING=1 when a shutdown signal arrives.
 *
 * No RELOADING=1: a reload here never stops serving (old workers stay until new ones are ready), and a
 * reload refused for a config error would leave systemd waiting for a READY=1 that does not come.
 * Returns a function that stops listening.
 */
export function notifySystemd(source: ReadinessSource, notifier: SdNotifier): () => void {
  let announced = false;
  let lastStatus = '';
  const check = () => {
    const now = readiness(source.groups());
    const status = describe(now);
    const fields: Record<string, string> = {};
    if (now.ready && !announced) {
      announced = true;
      fields.READY = '1';
    }
    if (status !== lastStatus) fields.STATUS = status;
    lastStatus = status;
    if (Object.keys(fields).length > 0) void notifier.notify(fields);
  };
  const stopOutcomes = source.onOutcome((outcome) => {
    if (outcome.kind !== 'shutdown-complete') check();
  });
  const stopping = () => {
    stopOutcomes();
    void notifier.notify({ STOPPING: '1', STATUS: 'draining workers' });
  };
  process.once('SIGTERM', stopping);
  process.once('SIGINT', stopping);
  check();
  return () => {
    stopOutcomes();
    process.off('SIGTERM', stopping);
    process.off('SIGINT', stopping);
  };
}

/**
 * One line for `systemctl status`: "ready: web 2/2, jobs 1/1", "not ready: web 1/2 (starting)" or
 * "not ready: web 0/2 (crash-looping: exit code 1: Error: listen EADDRINUSE ...)".
 */
export function describe(result: Readiness): string {
  const groups = result.groups.map(
    (g) => `${g.group} ${g.ready}/${g.desired}${result.ready ? '' : ` (${g.reason ?? g.state})`}`,
  );
  return `${result.ready ? 'ready' : 'not ready'}: ${groups.join(', ')}`;
}
