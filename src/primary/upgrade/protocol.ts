/**
 * The IPC conversation between the running primary (the predecessor) and the new one it spawned for an
 * upgrade (the successor). See docs/upgrade.md for the sequence.
 */

/** Set in the successor's environment: the predecessor's pid. */
export const ENV_UPGRADE_FROM = 'ORCHESTRATOR_UPGRADE_FROM';

/**
 * The steps of a hand-over as the new primary goes through them. Tests stop the new primary at one of them
 * (it SIGSTOPs itself when ORCHESTRATOR_UPGRADE_STOP_AT names the step) to kill either primary right there.
 */
export type UpgradeStep = 'spawned' | 'sockets-received' | 'workers-forked' | 'ready';
export const ENV_UPGRADE_STOP_AT = 'ORCHESTRATOR_UPGRADE_STOP_AT';

export interface Versions {
  readonly node: string;
  readonly orchestrator: string;
}

/** Predecessor -> successor. A `socket` message carries the listening handle itself. */
export type ToSuccessor =
  | { readonly upgrade: 'socket'; readonly key: string }
  | { readonly upgrade: 'sockets-sent'; readonly count: number }
  | { readonly upgrade: 'take-over' };

/** Successor -> predecessor. */
export type ToPredecessor =
  | { readonly upgrade: 'ready'; readonly pid: number; readonly versions: Versions }
  | { readonly upgrade: 'failed'; readonly reason: string }
  | { readonly upgrade: 'took-over' };

export function isToSuccessor(value: unknown): value is ToSuccessor {
  return typeof value === 'object' && value !== null && typeof (value as ToSuccessor).upgrade === 'string';
}

export function isToPredecessor(value: unknown): value is ToPredecessor {
  return typeof value === 'object' && value !== null && typeof (value as ToPredecessor).upgrade === 'string';
}
