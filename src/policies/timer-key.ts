import type { Timer } from './types.ts';

/**
 * The stable id of a timer, used in `set-timer`, `cancel-timer` and `timer-fired`.
 * The only free-form part (a group name, which may contain ':') always comes last, so keys never collide:
 * `respawn:3:web`, `ready-timeout:17`, `kill-deadline:17`, `reload-deadline:web`, `heartbeat:17`.
 */
export function timerKey(timer: Timer): string {
  switch (timer.kind) {
    case 'respawn':
      return `respawn:${timer.index}:${timer.group}`;
    case 'ready-timeout':
      return `ready-timeout:${timer.worker}`;
    case 'kill-deadline':
      return `kill-deadline:${timer.worker}`;
    case 'reload-deadline':
      return `reload-deadline:${timer.group}`;
    case 'heartbeat':
      return `heartbeat:${timer.worker}`;
    case 'reconcile':
      return 'reconcile';
    case 'recycle':
      return `recycle:${timer.worker}`;
    case 'spare-respawn':
      return `spare-respawn:${timer.group}`;
  }
}
