import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { AutoSettings } from '../../config/auto-settings.ts';
import type { Outcome, WorkerId } from '../../policies/types.ts';
import type { GroupView, GroupViewState, WorkerView, WorkerViewState } from '../../policies/view.ts';
import type { HeartbeatStats } from './heartbeat-stats.ts';

const GROUP_STATES: readonly GroupViewState[] = [
  'starting',
  'running',
  'reloading',
  'degraded',
  'failed',
  'stopping',
  'stopped',
];
const WORKER_STATES: readonly WorkerViewState[] = ['starting', 'ready', 'draining', 'backoff', 'stopped'];
/** A process exists for these; backoff and stopped slots have none. */
const LIVE: ReadonlySet<WorkerViewState> = new Set(['starting', 'ready', 'draining']);

export interface OrchestratorMetrics {
  readonly registry: Registry;
  /** Takes one snapshot of the groups; the gauges below read it while rendering. */
  render(groups: readonly GroupView[], appUp: ReadonlyMap<WorkerId, boolean>): Promise<string>;
  outcome(outcome: Outcome, groups: () => readonly GroupView[], nowMs: number): void;
  configApplied(generation: number): void;
  configRejected(): void;
  /** Every metric name this registry exposes (worker metrics of these names are dropped). */
  names(): Set<string>;
}

/** The live worker processes of a snapshot, with the labels that identify each one. */
export function liveWorkers(groups: readonly GroupView[]): Array<{ group: string; worker: WorkerView }> {
  return groups.flatMap((g) =>
    g.workers.filter((w) => LIVE.has(w.state)).map((worker) => ({ group: g.name, worker })),
  );
}

export function workerLabels(group: string, worker: WorkerView) {
  return { group, index: String(worker.index), worker_id: String(worker.id) };
}

/**
 * The orchestrator's own metrics in a prom-client registry. Everything about groups and workers is read on a
 * scrape from one snapshot (the gauges' `collect`), so the primary does no metrics work between scrapes;
 * only the outcome counters are bumped as outcomes happen (a handful per reload or failure).
 */
export function createOrchestratorMetrics(
  stats: HeartbeatStats,
  autoSettings: () => Readonly<Record<string, AutoSettings>> = () => ({}),
): OrchestratorMetrics {
  const registry = new Registry();
  const registers = [registry];
  let snapshot: readonly GroupView[] = [];
  let appUp: ReadonlyMap<WorkerId, boolean> = new Map();
  const live = () => liveWorkers(snapshot);

  new Gauge({
    name: 'orchestrator_group_state',
    help: 'The state of each group: 1 for the current state, 0 for the others.',
    labelNames: ['group', 'state'],
    registers,
    collect() {
      this.reset();
      for (const g of snapshot)
        for (const state of GROUP_STATES) this.set({ group: g.name, state }, g.state === state ? 1 : 0);
    },
  });
  new Gauge({
    name: 'orchestrator_group_auto_setting',
    help: "What each 'auto' setting of a group resolved to (count in workers, max_memory_mb in MB; 0 = off), the reason says from what.",
    labelNames: ['group', 'setting', 'reason'],
    registers,
    collect() {
      this.reset();
      for (const [group, settings] of Object.entries(autoSettings())) {
        if (settings.count)
          this.set({ group, setting: 'count', reason: settings.count.reason }, settings.count.value);
        if (settings.maxMemoryMb)
          this.set(
            { group, setting: 'max_memory_mb', reason: settings.maxMemoryMb.reason },
            settings.maxMemoryMb.value,
          );
      }
    },
  });
  new Counter({
    name: 'orchestrator_group_recycles_total',
    help: 'Workers replaced by recycle (after their requests or uptime), by cause: planned, not failures.',
    labelNames: ['group', 'cause'],
    registers,
    collect() {
      this.reset();
      for (const g of snapshot)
        for (const cause of ['requests', 'uptime'] as const)
          this.inc({ group: g.name, cause }, g.recycled[cause]);
    },
  });
  new Gauge({
    name: 'orchestrator_group_desired_workers',
    help: 'How many workers each group should run (its count, or a scale override).',
    labelNames: ['group'],
    registers,
    collect() {
      this.reset();
      for (const g of snapshot) this.set({ group: g.name }, g.desired);
    },
  });
  new Gauge({
    name: 'orchestrator_group_workers',
    help: 'Worker slots of each group by state (starting, ready, draining, backoff, stopped).',
    labelNames: ['group', 'state'],
    registers,
    collect() {
      this.reset();
      for (const g of snapshot)
        for (const state of WORKER_STATES)
          this.set({ group: g.name, state }, g.workers.filter((w) => w.state === state).length);
    },
  });
  new Gauge({
    name: 'orchestrator_worker_restarts',
    help: 'Restarts of each worker slot, as the crash-loop policy counts them (reset after restart.resetAfterMs of good health).',
    labelNames: ['group', 'index'],
    registers,
    collect() {
      this.reset();
      for (const g of snapshot) {
        const bySlot = new Map<number, number>();
        for (const w of g.workers) bySlot.set(w.index, Math.max(bySlot.get(w.index) ?? 0, w.restarts));
        for (const [index, restarts] of bySlot) this.set({ group: g.name, index: String(index) }, restarts);
      }
    },
  });
  new Gauge({
    name: 'orchestrator_worker_start_time_seconds',
    help: 'When each live worker process was started, in seconds since the Unix epoch.',
    labelNames: ['group', 'index', 'worker_id'],
    registers,
    collect() {
      this.reset();
      for (const { group, worker } of live()) this.set(workerLabels(group, worker), worker.startedAt / 1000);
    },
  });
  const perWorker = (
    name: string,
    help: string,
    read: (beat: NonNullable<ReturnType<HeartbeatStats['get']>>) => number,
  ) =>
    new Gauge({
      name,
      help,
      labelNames: ['group', 'index', 'worker_id'],
      registers,
      collect() {
        this.reset();
        for (const { group, worker } of live()) {
          const beat = stats.get(worker.id);
          if (beat !== undefined) this.set(workerLabels(group, worker), read(beat));
        }
      },
    });
  perWorker(
    'orchestrator_worker_resident_memory_bytes',
    "Each worker's resident set size, from its last heartbeat (sent every second).",
    (beat) => beat.rss,
  );
  perWorker(
    'orchestrator_worker_event_loop_delay_seconds',
    "Each worker's event-loop delay over the second before its last heartbeat.",
    (beat) => beat.loopDelayMs / 1000,
  );
  new Counter({
    name: 'orchestrator_worker_cpu_seconds_total',
    help: 'CPU time used by each worker process, from its last heartbeat, by mode (user, system).',
    labelNames: ['group', 'index', 'worker_id', 'mode'],
    registers,
    collect() {
      // The worker reports its process total; a counter here just carries that total.
      this.reset();
      for (const { group, worker } of live()) {
        const beat = stats.get(worker.id);
        if (beat?.cpuUserUs === undefined || beat.cpuSystemUs === undefined) continue;
        const labels = workerLabels(group, worker);
        this.inc({ ...labels, mode: 'user' }, beat.cpuUserUs / 1e6);
        this.inc({ ...labels, mode: 'system' }, beat.cpuSystemUs / 1e6);
      }
    },
  });
  new Gauge({
    name: 'orchestrator_worker_app_metrics_up',
    help: "1 when the worker answered this scrape's request for its own metrics in time, else 0.",
    labelNames: ['group', 'index', 'worker_id'],
    registers,
    collect() {
      this.reset();
      for (const { group, worker } of live())
        this.set(workerLabels(group, worker), appUp.get(worker.id) === true ? 1 : 0);
    },
  });

  const failures = new Counter({
    name: 'orchestrator_group_failures_total',
    help: 'Times a group gave up after too many restarts within restart.windowMs (crash loop).',
    labelNames: ['group'],
    registers,
  });
  const reloads = new Counter({
    name: 'orchestrator_reloads_total',
    help: 'Group reloads by result: finished, or aborted (the old workers kept serving).',
    labelNames: ['group', 'result'],
    registers,
  });
  const reloadSeconds = new Histogram({
    name: 'orchestrator_reload_duration_seconds',
    help: "How long finished group reloads took, from the start of the new generation's first worker.",
    labelNames: ['group'],
    buckets: [0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers,
  });
  const rollouts = new Counter({
    name: 'orchestrator_rollouts_total',
    help: 'Reload requests (config edits, SIGHUP, `orchestrator reload`) by result: ok or failed.',
    labelNames: ['result'],
    registers,
  });
  const generation = new Gauge({
    name: 'orchestrator_config_generation',
    help: 'How many configs have been applied since the primary started (the first one is 1).',
    registers,
  });
  const configErrors = new Counter({
    name: 'orchestrator_config_errors_total',
    help: 'Config edits or reloads rejected because the config had errors (nothing was changed).',
    registers,
  });
  const lastGood = new Gauge({
    name: 'orchestrator_config_last_reload_successful',
    help: '1 when the last config read was applied, 0 when it was rejected.',
    registers,
  });

  // The primary's own process metrics, prefixed so they cannot collide with the same default metrics that
  // an app's prom-client reports for each worker.
  collectDefaultMetrics({ register: registry, prefix: 'orchestrator_primary_' });

  return {
    registry,
    async render(groups, up) {
      snapshot = groups;
      appUp = up;
      stats.retain(new Set(live().map(({ worker }) => worker.id)));
      try {
        return await registry.metrics();
      } finally {
        snapshot = [];
        appUp = new Map();
      }
    },
    outcome(outcome, groups, nowMs) {
      switch (outcome.kind) {
        case 'group-failed':
          failures.inc({ group: outcome.group });
          return;
        case 'reload-aborted':
          reloads.inc({ group: outcome.group, result: 'aborted' });
          return;
        case 'reload-finished': {
          reloads.inc({ group: outcome.group, result: 'finished' });
          const started = newGenerationStart(groups().find((g) => g.name === outcome.group));
          if (started !== null)
            reloadSeconds.observe({ group: outcome.group }, Math.max(0, nowMs - started) / 1000);
          return;
        }
        case 'rollout-finished':
          rollouts.inc({ result: outcome.ok ? 'ok' : 'failed' });
          return;
        default:
          return;
      }
    },
    configApplied(n) {
      generation.set(n);
      lastGood.set(1);
    },
    configRejected() {
      configErrors.inc();
      lastGood.set(0);
    },
    names() {
      const names = new Set<string>();
      for (const metric of registry.getMetricsAsArray()) {
        const name = (metric as unknown as { name: string }).name;
        names.add(name);
        for (const suffix of ['_bucket', '_sum', '_count', '_total', '_created'])
          names.add(`${name}${suffix}`);
      }
      return names;
    },
  };
}

/**
 * The engine reports when a reload ends, not when it began; the new generation's oldest worker was started
 * by the reload's first step (with `maxSurge` 0 the first step is a drain, so this reads short by one drain).
 */
function newGenerationStart(group: GroupView | undefined): number | null {
  if (group === undefined) return null;
  const newest = Math.max(...group.workers.map((w) => w.generation));
  const starts = group.workers
    .filter((w) => w.generation === newest && w.state !== 'stopped')
    .map((w) => w.startedAt);
  return starts.length === 0 ? null : Math.min(...starts);
}
