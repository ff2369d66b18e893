import type { Outcome } from '../policies/types.ts';
import type { ControlLine } from './control/server.ts';
import type { Supervisor } from './supervisor.ts';

/**
 * Waits for the roll of `groups` (started just before this is called) and reports it as it goes: one progress
 * line per group that finishes or aborts, then the final line.
 *
 * Rollouts end in order: a new request ends the running one at once, reporting its unfinished groups as
 * `superseded`, and those groups join the new roll. So every `rollout-finished` seen from here on is either
 * this roll's or one that took over its groups, and a superseded group is simply followed to the next one.
 * Example: reload(web, api) is request 3; reload(web) arrives as request 4 while web is mid-roll. Request 3
 * ends with {web: superseded, api: finished}; request 4's {web: finished} then completes this one.
 */
export function followRollout(
  supervisor: Supervisor,
  groups: readonly string[],
  progress: (line: ControlLine) => void,
): Promise<ControlLine> {
  return new Promise((resolve) => {
    const pending = new Set(groups);
    const results: Record<string, string> = {};
    const stop = supervisor.onOutcome((outcome: Outcome) => {
      switch (outcome.kind) {
        case 'reload-finished':
          if (pending.has(outcome.group)) {
            progress({
              event: 'progress',
              group: outcome.group,
              message: `${outcome.group}: every worker replaced`,
            });
          }
          return;
        case 'reload-aborted':
          if (pending.has(outcome.group)) {
            const message = `${outcome.group}: aborted (${outcome.reason}); the old workers keep serving`;
            progress({ event: 'progress', group: outcome.group, message });
          }
          return;
        case 'rollout-finished':
          for (const [group, result] of Object.entries(outcome.groups)) {
            if (!pending.has(group) || result === 'superseded') continue;
            results[group] = result;
            pending.delete(group);
          }
          if (pending.size > 0) return;
          stop();
          resolve(summary(groups, results));
          return;
        default:
          return;
      }
    });
  });
}

function summary(groups: readonly string[], results: Record<string, string>): ControlLine {
  const ok = groups.every((group) => results[group] === 'finished');
  const message = ok
    ? 'reload finished'
    : `reload failed: ${groups
        .filter((group) => results[group] !== 'finished')
        .map((group) => `${group} ${results[group]}`)
        .join(', ')}; the old workers keep serving`;
  return { event: 'done', ok, message, groups: results };
}
