import { observeAlive, observeHeartbeat } from './health.ts';
import { log } from './log.ts';
import { forget, markReady } from './membership.ts';
import { observeRequests } from './recycle.ts';
import { isFailure, leaveSlotEmpty, scheduleRestart, shouldRestart } from './restart.ts';
import { abortGroupRoll, rollProgressed } from './rollout.ts';
import { observeStandby, spareExited } from './spares.ts';
import type { Ctx, GroupState, WorkerRecord } from './state.ts';
import type { EngineEvent, WorkerId } from './types.ts';

/**
 * Worker lifecycle events. Each only updates what is observed (and records intents); the group is then marked
 * for reconcile, which decides what to fork or drain. Events about workers the engine does not know (already
 * exited, never forked, made up) are ignored, as are repeats.
 */

type WorkerEvent = Extract<
  EngineEvent,
  {
    type:
      | 'worker-forked'
      | 'worker-online'
      | 'worker-listening'
      | 'worker-ready'
      | 'worker-standby'
      | 'worker-exited'
      | 'worker-heartbeat'
      | 'requests-served';
  }
>;

export function observeWorker(ctx: Ctx, event: WorkerEvent): void {
  const found = lookup(ctx, event.worker);
  if (found === undefined) return;
  const [g, w] = found;
  switch (event.type) {
    case 'worker-forked':
      if (w.pid === null) w.pid = event.pid;
      return;
    case 'worker-online':
      return; // a process, not yet a server: readiness is 'listening' or 'ready'
    case 'worker-standby':
      observeStandby(ctx, g, w);
      observeAlive(ctx, g, w);
      ctx.dirty.add(g);
      return;
    case 'worker-listening':
    case 'worker-ready': {
      observeAlive(ctx, g, w);
      // A spare's runtime holds its app's listen and ready(): one that still serves is none of ours to count.
      if (w.place === 'spare') return;
      const wanted = g.spec.ready.on === 'listening' ? 'worker-listening' : 'worker-ready';
      if (event.type !== wanted || w.ready || w.place === 'draining' || w.intent !== null) return;
      markReady(ctx, g, w);
      if (w.place === 'current' && w.generation === g.generation) rollProgressed(ctx, g);
      ctx.dirty.add(g);
      return;
    }
    case 'worker-exited':
      onExit(ctx, g, w, event.code, event.signal, event.stderr ?? null, event.cause === 'host-lost');
      return;
    case 'worker-heartbeat':
      observeHeartbeat(ctx, g, w, event.rssBytes);
      return;
    case 'requests-served':
      observeRequests(ctx, g, w, event.total);
      return;
  }
}

function onExit(
  ctx: Ctx,
  g: GroupState,
  w: WorkerRecord,
  code: number | null,
  signal: string | null,
  stderr: string | null,
  hostLost: boolean,
): void {
  const place = w.place;
  forget(ctx, g, w);
  ctx.dirty.add(g);
  const failure = !hostLost && isFailure(g.spec, w.intent, code, signal);
  log(ctx, failure || hostLost ? 'warn' : 'info', hostLost ? 'worker lost with its host' : 'worker exited', {
    group: g.name,
    index: w.index,
    worker: w.id,
    code,
    signal,
    intent: w.intent,
    failure,
    ...(failure && stderr !== null ? { stderr } : {}),
  });
  if (failure) {
    g.lastExit = { worker: w.id, index: w.index, code, signal, stoppedFor: w.intent, stderr, at: ctx.now };
  }
  // An old worker replaced by the roll has finished draining: that is progress too.
  if (place === 'draining' && w.intent === 'reload') rollProgressed(ctx, g);
  // Gone with its host (a helper primary that died): the app did nothing wrong, so its slot is free again at
  // once (reconcile forks it in this same step), with no backoff, no restart counted and no effect on a roll.
  // A helper that keeps dying is bounded by the host's own restart policy, which then reports failed forks.
  if (hostLost) return;
  if (place === 'spare') {
    spareExited(ctx, g, w, failure);
    return;
  }
  // Only a current worker owns a slot: draining and old workers are replaced by reconcile, never respawned.
  if (place !== 'current' || ctx.state.shutdown !== null || g.status === 'removing') return;
  if (failure && g.roll !== null) {
    abortGroupRoll(ctx, g, w.intent === null ? 'crashed' : w.intent);
    return;
  }
  if (g.status === 'failed') return;
  if (shouldRestart(g.spec, failure)) scheduleRestart(ctx, g, w);
  else leaveSlotEmpty(ctx, g, w);
}

function lookup(ctx: Ctx, id: WorkerId): [GroupState, WorkerRecord] | undefined {
  const w = ctx.state.workers.get(id);
  if (w === undefined) return undefined;
  const g = ctx.state.groups.get(w.group);
  return g === undefined ? undefined : [g, w];
}
