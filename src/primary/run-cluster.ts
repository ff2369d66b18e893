import type { Logger } from 'pino';
import { resolveAutoSettings } from '../config/auto-settings.ts';
import type { ConfigError } from '../config/errors.ts';
import { formatConfigError } from '../config/errors.ts';
import { loadConfig } from '../config/load.ts';
import type { ClusterConfig } from '../config/schema.ts';
import type { Outcome } from '../policies/types.ts';
import { watchConfigFile } from './config-watch.ts';
import { claimSocketPath } from './control/claim.ts';
import { diagnosticFile, findWorker } from './control/debug-endpoint.ts';
import { keepControlSocket } from './control/keep-socket.ts';
import {
  type ControlApi,
  type ControlLine,
  type ControlServer,
  type Refusal,
  startControlServer,
} from './control/server.ts';
import { createDiagnostics } from './diagnostics.ts';
import { LiveConfig } from './live-config.ts';
import { LogRing } from './logging/log-ring.ts';
import type { PrimaryLogger } from './logging/logger.ts';
import { HeartbeatStats } from './metrics/heartbeat-stats.ts';
import { migratesRequests, reusePortWarning, upgradeCaveat } from './migrate-req.ts';
import { type Operations, startOperations } from './operations.ts';
import { processCpuSeconds } from './proc-cpu.ts';
import { ReloadHistory } from './reload-history.ts';
import { followRollout } from './rollout-follower.ts';
import { buildStatus } from './status.ts';
import { createSupervisor, type Supervisor } from './supervisor.ts';
import { firstReady, notReadyAnyMore } from './upgrade/first-ready.ts';
import { installListenTap } from './upgrade/listen-tap.ts';
import type { Successor } from './upgrade/successor.ts';
import { runAsSuccessor } from './upgrade/take-over.ts';
import { createUpgrader } from './upgrade/upgrader.ts';
import { VERSIONS } from './upgrade/versions.ts';
import { workerPreload } from './worker-preload.ts';

export interface RunClusterOptions {
  readonly config: ClusterConfig;
  /** The config file, re-read on SIGHUP, `reload` and (with `watch`) every save. */
  readonly file: string;
  readonly logger: PrimaryLogger;
  /** Where the control socket listens; its folder must already be claimed (see control/claim.ts). */
  readonly socketPath: string;
  /**
   * Set when this primary was started by `orchestrator upgrade`: it inherits the listening sockets, and its
   * control socket listens at `socketPath` (a staging path) until it takes over `takeOver.socketPath`.
   */
  readonly takeOver?: { readonly successor: Successor; readonly socketPath: string };
}

/** Logged (with the file) and shown as `config.error` in `status` while the config file is gone. */
export const CONFIG_GONE =
  'config file gone (deleted, or its folder removed or renamed): the cluster runs on as it is, and applies the file when it is back';

/** Exit codes of `orchestrator up` after a shutdown (see the contract). */
const EXIT_CLEAN = 0;
const EXIT_INTERRUPTED = 130;

/**
 * `orchestrator up` once the config is valid: starts the groups, serves the control socket, applies edits
 * of the config file, and maps signals to the supervisor: SIGTERM/SIGINT drain, a second SIGINT kills at
 * once, SIGHUP reloads. Resolves with the exit code once every worker is gone.
 */
export async function runCluster(options: RunClusterOptions): Promise<number> {
  const { file } = options;
  const log = options.logger.log;
  // Before the first fork: sees (and in a new primary, inherits) the sockets node:cluster listens on.
  const tap = installListenTap();
  const controlPath = options.takeOver?.socketPath ?? options.socketPath;
  let handedOver = false;
  const supervisor = createSupervisor({
    logger: options.logger,
    preload: workerPreload(import.meta.url),
    // A new primary's `os` helpers share the sockets it inherited (docs/upgrade.md).
    inherited: () => tap.inherited(),
  });
  const live = new LiveConfig(options.config);
  let exitCode = EXIT_CLEAN;
  let shuttingDown = false;

  const reloads = new ReloadHistory();
  const stopped = new Promise<void>((resolve) => {
    supervisor.onOutcome((outcome) => {
      logOutcome(log, outcome);
      reloads.observe(outcome);
      if (outcome.kind === 'shutdown-complete') resolve();
    });
  });
  announceReadiness(supervisor, log, () => Object.keys(live.config.groups));

  const rejected = (errors: readonly ConfigError[], what: string): string => {
    for (const error of errors) log.error({ file: error.file, path: error.path }, formatConfigError(error));
    log.error(`${what} refused: the config has errors; nothing was changed`);
    ops.configRejected();
    return live.reject(errors);
  };

  let warnedReusePort = false;
  const checkReusePort = (config: ClusterConfig): void => {
    if (warnedReusePort) return;
    const warning = reusePortWarning(config, migratesRequests);
    if (warning === null) return;
    warnedReusePort = true;
    log.warn(warning);
  };

  const apply = (next: ClusterConfig, roll: readonly string[] | null): void => {
    const { diff, cleared } = live.accept(next, roll !== null);
    if (cleared !== null)
      log.info({ generation: live.generation }, 'config error cleared: the file is valid again');
    if (diff === null) return;
    checkReusePort(next);
    log.info({ generation: live.generation, changes: diff.groups }, 'config applied');
    if (diff.metrics) {
      log.warn(
        { metrics: next.metrics },
        'metrics settings changed: they apply at the next start of up; the endpoint keeps its settings until then',
      );
    }
    ops.configApplied(live.generation);
    syncWatch();
    supervisor.apply(next, roll === null ? {} : { roll });
  };

  // Edits of the file, one read at a time: a save during a read triggers one more read, so a burst of
  // saves always ends with the file as it was last written.
  const hotApply = live.serialized(async () => {
    if (shuttingDown) return;
    const next = await loadConfig({ file });
    if (!next.ok) rejected(next.errors, 'config edit');
    else apply(next.config, null);
  });
  // The file gone (its folder removed or renamed away) is not an edit: what runs stays as it is, `status`
  // says the file is gone until it is back, and the watch applies it again then.
  const configGone = (): void => {
    log.warn({ file }, CONFIG_GONE);
    live.reject([{ file, path: '', message: CONFIG_GONE }]);
  };
  let watcher: { close(): void } | null = null;
  const syncWatch = (): void => {
    if (live.config.watch && !shuttingDown && watcher === null)
      watcher = watchConfigFile(file, hotApply, { gone: configGone });
    if ((!live.config.watch || shuttingDown) && watcher !== null) {
      watcher.close();
      watcher = null;
    }
  };

  const reload = async (
    groups: readonly string[],
    progress: (line: ControlLine) => void,
  ): Promise<Refusal | ControlLine> => {
    if (shuttingDown) return { status: 409, error: 'the cluster is shutting down' };
    // The file is read and applied in turn with edits; the roll itself is followed outside that queue, so
    // a newer reload can supersede it.
    const started = await live.exclusive(async (): Promise<Refusal | { done: Promise<ControlLine> }> => {
      const next = await loadConfig({ file });
      if (!next.ok) return { status: 422, error: rejected(next.errors, 'reload') };
      const names = Object.keys(next.config.groups);
      const unknown = groups.filter((name) => !names.includes(name));
      if (unknown.length > 0) {
        return { status: 404, error: `unknown group ${unknown.join(', ')} (groups: ${names.join(', ')})` };
      }
      const roll = groups.length > 0 ? [...groups] : names;
      // Any config ends every scale override, not only those of the groups rolled: say so before it happens.
      for (const group of supervisor.groups()) {
        if (group.scaled === null) continue;
        const since = new Date(group.scaled.since).toISOString();
        const message = `${group.name}: the scale override (${group.desired} workers since ${since}) ends: back to the config's count`;
        progress({ event: 'progress', group: group.name, message });
      }
      // Listening before applying: a roll with nothing to replace finishes within the apply itself.
      const done = followRollout(supervisor, roll, progress);
      apply(next.config, roll);
      progress({
        event: 'progress',
        message: `rolling ${roll.join(', ')} (config generation ${live.generation})`,
      });
      return { done };
    });
    return 'status' in started ? started : await started.done;
  };

  const logs = options.logger.ring ?? new LogRing();
  const diagnose = createDiagnostics(supervisor);
  // The last heartbeat of each worker, for the event-loop delay `status` and `top` show.
  const beats = new HeartbeatStats();
  let beatsSinceRetain = 0;
  supervisor.onWorkerMessage((worker, message) => {
    if (message.orchestrator !== 'heartbeat') return;
    beats.record(worker, message);
    // Now and then forget the workers that are gone, so 1,000 crashes do not leave 1,000 entries behind.
    if (++beatsSinceRetain < 1000) return;
    beatsSinceRetain = 0;
    beats.retain(new Set(supervisor.groups().flatMap((group) => group.workers.map((w) => w.id))));
  });
  const upgrader = createUpgrader({
    file,
    socketPath: controlPath,
    tap,
    sharedSockets: () => supervisor.listeningSockets(),
    caveat: () => upgradeCaveat(live.config, migratesRequests),
    log,
    refusal: () => {
      if (shuttingDown) return 'the cluster is shutting down';
      if (!control.owns())
        return 'this primary does not own the control socket yet (it is being started by an upgrade)';
      return null;
    },
    handedOver: (pid) => {
      handedOver = true;
      control.release();
      stop('upgrade', pid);
    },
    reclaimControl: async () => {
      if (control.owns()) return;
      await claimSocketPath(controlPath);
      await relisten();
    },
  });
  // One re-listen at a time (a failed upgrade's reclaim and the socket keeper may both want one).
  let relistening: Promise<void> = Promise.resolve();
  const relisten = (): Promise<void> => {
    const next = relistening.then(async () => {
      if (control.owns()) return;
      const fresh = await startControlServer(controlPath, api, onControlAcceptError);
      control.release();
      control = fresh;
    });
    relistening = next.catch(() => {});
    return next;
  };

  const api: ControlApi = {
    logs,
    async debug(request, progress) {
      const found = findWorker(api.status(), request.worker);
      if (typeof found === 'string') return { status: 404, error: found };
      const { group, worker } = found;
      const label = `${group}.${worker.index} (worker ${worker.id}, pid ${worker.pid})`;
      const file = diagnosticFile(request, found, new Date());
      const doing = {
        heap: 'taking a heap snapshot of',
        profile: `profiling the CPU for ${request.seconds} s of`,
        report: 'writing a diagnostic report of',
      }[request.kind];
      progress({ event: 'progress', message: `${doing} ${label}`, group });
      log.info(
        { group, index: worker.index, worker: worker.id, kind: request.kind, file },
        'debug requested',
      );
      const alive = (): boolean =>
        supervisor.groups().some((g) => g.workers.some((w) => w.id === worker.id && w.pid !== null));
      const result = await diagnose({
        worker: worker.id,
        kind: request.kind,
        file,
        seconds: request.seconds,
        alive,
      });
      return result.ok
        ? { event: 'done', ok: true, message: `wrote ${file} (${result.bytes} bytes)`, file }
        : { event: 'done', ok: false, message: `${label}: ${result.error} (${file})` };
    },
    status: () => ({
      ...buildStatus({
        pid: process.pid,
        socket: controlPath,
        config: { path: file, generation: live.generation, error: live.error },
        groups: supervisor.groups(),
        scheduling: (group) => supervisor.scheduling(group) ?? null,
        lastReload: (group) => reloads.last(group),
        auto: (group) => resolveAutoSettings(live.config)[group],
        rss: (worker) => supervisor.rss(worker),
        longLived: (worker) => supervisor.longLived(worker),
        cpuSeconds: processCpuSeconds,
        loopDelayMs: (worker) => beats.get(worker)?.loopDelayMs ?? null,
        ...(live.config.metrics.http ? { http: (worker: number) => beats.get(worker)?.http ?? null } : {}),
      }),
      versions: VERSIONS,
    }),
    reload,
    scale(counts) {
      if (shuttingDown) return { status: 409, error: 'the cluster is shutting down' };
      const unknown = Object.keys(counts).filter((name) => !Object.hasOwn(live.config.groups, name));
      if (unknown.length > 0) return { status: 404, error: `unknown group ${unknown.join(', ')}` };
      log.info({ counts }, 'scale requested');
      supervisor.scale(counts);
      return null;
    },
    down: async () => {
      stop('down');
      await stopped;
    },
    upgrade: (request, progress) => upgrader.upgrade(request, progress),
  };

  // The first SIGTERM/SIGINT/`down` drains; a second SIGINT (an impatient Ctrl-C) kills at once.
  const stop = (cause: NodeJS.Signals | 'down' | 'upgrade' | 'upgrade-failed', successor?: number): void => {
    if (!shuttingDown) {
      shuttingDown = true;
      syncWatch();
      if (cause !== 'upgrade') upgrader.abort(`the old primary is stopping (${cause})`);
      if (cause === 'upgrade') {
        log.info(
          { cause, successor },
          `handed over to pid ${successor}, which logs here from now on; draining workers`,
        );
      } else log.info({ cause }, 'shutting down: draining workers (send SIGINT again to kill them at once)');
      supervisor.shutdown();
    } else if (cause === 'SIGINT') {
      log.warn({ cause }, 'killing all workers now');
      exitCode = EXIT_INTERRUPTED;
      supervisor.shutdown();
    }
  };
  const onSignal = (signal: NodeJS.Signals): void => stop(signal);
  const logLine = (line: ControlLine): void => {
    if (line.event === 'progress') log.info(line.message);
  };
  const onHangup = (): void => {
    void reload([], logLine);
  };
  // SIGUSR2 = `orchestrator upgrade` (as nginx and Unicorn do); the outcome is logged by the upgrader.
  const onUpgradeSignal = (): void => {
    void upgrader
      .upgrade({}, () => {})
      .then((result) => {
        if ('status' in result) log.warn(result.error);
      });
  };

  // A new primary listens on its predecessor's sockets, /metrics included: adopted before anything listens.
  await options.takeOver?.successor.sockets(tap);
  let ops: Operations;
  try {
    ops = await startOperations(
      {
        groups: () => supervisor.groups(),
        onOutcome: (listener) => supervisor.onOutcome(listener),
        onWorkerMessage: (listener) => supervisor.onWorkerMessage(listener),
        sendToWorker: (worker, message) => supervisor.sendToWorker(worker, message),
        autoSettings: () => resolveAutoSettings(live.config),
      },
      live.config.metrics,
      log,
    );
  } catch (error) {
    await supervisor.close();
    throw error;
  }
  function onControlAcceptError(error: Error): void {
    log.warn(
      { err: error },
      'control socket: cannot accept connections (out of file descriptors?); serving again as they come back',
    );
  }
  let control: ControlServer = await startControlServer(options.socketPath, api, onControlAcceptError);
  // A control socket file removed while the cluster runs is recreated (not during a hand-over, which moves it).
  const socketKeeper = keepControlSocket({
    path: controlPath,
    current: () => control,
    paused: () => shuttingDown || upgrader.underWay(),
    relisten,
    log,
  });
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onHangup);
  process.on('SIGUSR2', onUpgradeSignal);
  let successor: Awaited<ReturnType<typeof runAsSuccessor>> | null = null;
  // Once every worker listens and the old primary is out of the way, an inherited socket nobody took would sit
  // in LISTEN, never accepted. Not before: a helper restarted during the hand-over needs them again.
  const inheritance = releaseWhenBoth(() => {
    tap.releaseInherited();
    supervisor.releaseInherited();
  });
  try {
    log.info(
      { pid: process.pid, config: file, groups: Object.keys(live.config.groups), control: control.path },
      'starting cluster',
    );
    if (options.takeOver) {
      successor = await runAsSuccessor({
        successor: options.takeOver.successor,
        tap,
        control,
        socketPath: controlPath,
        log,
        notReady: async () => {
          if (!(await supervisor.syncHosts())) return 'a helper process for os scheduling died';
          return notReadyAnyMore(supervisor.groups());
        },
        refused: () => {
          exitCode = 1;
          stop('upgrade-failed');
        },
        tookOver: () => inheritance.tookOver(),
      });
      void firstReady(supervisor, Object.keys(live.config.groups)).then((ready) => {
        if (ready.ok) inheritance.ready();
        successor?.report(ready);
        if (ready.ok || shuttingDown) return;
        log.error({ reason: ready.reason }, 'upgrade: the new primary cannot start; stopping it');
        exitCode = 1;
        stop('upgrade-failed');
      });
    }
    checkReusePort(live.config);
    supervisor.apply(live.config);
    successor?.forked();
    ops.configApplied(live.generation);
    syncWatch();
    await stopped;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onHangup);
    process.off('SIGUSR2', onUpgradeSignal);
    shuttingDown = true;
    syncWatch();
    socketKeeper.stop();
    await supervisor.close();
    // Followers of `orchestrator logs -f` hold their connection open: end them, or closing the socket waits.
    logs.endFollowers();
    await control.close();
    await ops.close();
  }
  log.info({ exitCode }, handedOver ? 'old primary stopped' : 'cluster stopped');
  return exitCode;
}

/**
 * The engine logs each decision as it makes it (group failed, reload aborted, ...); the one thing only the
 * shell sees end is a whole rollout request.
 */
function logOutcome(log: Logger, outcome: Outcome): void {
  if (outcome.kind !== 'rollout-finished') return;
  const { request, ok, groups } = outcome;
  log[ok ? 'info' : 'warn']({ request, ok, groups }, 'rollout finished');
}

/** Logs one summary line per group once every group of the first config is ready. */
function announceReadiness(supervisor: Supervisor, log: Logger, groups: () => string[]): void {
  const ready = new Set<string>();
  const stopWatching = supervisor.onOutcome((outcome) => {
    if (outcome.kind !== 'group-ready') return;
    ready.add(outcome.group);
    if (!groups().every((name) => ready.has(name))) return;
    stopWatching();
    for (const group of supervisor.groups()) {
      const pids = group.workers.flatMap((worker) => (worker.pid === null ? [] : [worker.pid]));
      log.info({ group: group.name, desired: group.desired, pids }, `${group.name}: ${pids.length} ready`);
    }
    log.info('cluster ready');
  });
}

/** Runs `release` once both `ready()` and `tookOver()` were called, in either order. */
function releaseWhenBoth(release: () => void): { ready(): void; tookOver(): void } {
  let ready = false;
  let tookOver = false;
  const check = (): void => {
    if (ready && tookOver) release();
  };
  return {
    ready() {
      ready = true;
      check();
    },
    tookOver() {
      tookOver = true;
      check();
    },
  };
}
