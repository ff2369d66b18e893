import type { Logger } from 'pino';
import { diffConfigs } from '../config/diff.ts';
import { formatConfigError } from '../config/errors.ts';
import { loadConfig } from '../config/load.ts';
import type { ClusterConfig } from '../config/schema.ts';
import type { Outcome } from '../policies/types.ts';
import type { PrimaryLogger } from './logging/logger.ts';
import { siblingModule } from './sibling-module.ts';
import { createSupervisor, type Supervisor } from './supervisor.ts';

export interface RunClusterOptions {
  readonly config: ClusterConfig;
  /** The config file, re-read on SIGHUP. */
  readonly file: string;
  readonly logger: PrimaryLogger;
}

/** Exit codes of `orchestrator up` after a shutdown (see the contract). */
export const EXIT_CLEAN = 0;
export const EXIT_INTERRUPTED = 130;

/**
 * `orchestrator up` once the config is valid: starts the groups, logs a summary when they are ready,
 * and maps signals to the supervisor: SIGTERM/SIGINT drain, a second SIGINT kills at once, SIGHUP reloads.
 * Resolves with the exit code once every worker is gone.
 */
export async function runCluster(options: RunClusterOptions): Promise<number> {
  const { file } = options;
  const logger = options.logger.log;
  let config = options.config;
  const supervisor = createSupervisor({
    logger: options.logger,
    preload: siblingModule(import.meta.url, '../worker/preload'),
  });
  let exitCode = EXIT_CLEAN;

  const done = new Promise<void>((resolve) => {
    supervisor.onOutcome((outcome) => {
      logOutcome(logger, outcome);
      if (outcome.kind === 'shutdown-complete') resolve();
    });
  });
  watchReadiness(supervisor, logger, () => Object.keys(config.groups));

  let interrupts = 0;
  const stop = (signal: NodeJS.Signals): void => {
    interrupts += 1;
    if (interrupts === 1) {
      logger.info({ signal }, 'shutting down: draining workers (send SIGINT again to kill them at once)');
    } else {
      logger.warn({ signal }, 'killing all workers now');
      if (signal === 'SIGINT') exitCode = EXIT_INTERRUPTED;
    }
    supervisor.shutdown();
  };
  let reloading = Promise.resolve();
  const reload = (): void => {
    reloading = reloading.then(async () => {
      const next = await loadConfig({ file });
      if (!next.ok) {
        for (const error of next.errors)
          logger.error({ file: error.file, path: error.path }, formatConfigError(error));
        logger.error('reload refused: the config has errors; nothing was changed');
        return;
      }
      // A changed group rolls because of the new config already; the others are rolled by request, so
      // nothing is rolled twice.
      const changed = new Set(
        Object.entries(diffConfigs(config, next.config).groups)
          .filter(([, change]) => change.kind !== 'changed' || change.restart.length > 0)
          .map(([name]) => name),
      );
      config = next.config;
      supervisor.apply(config);
      const unchanged = Object.keys(config.groups).filter((name) => !changed.has(name));
      if (unchanged.length > 0) supervisor.reload(unchanged);
    });
  };

  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.on('SIGHUP', reload);
  try {
    logger.info({ config: file, groups: Object.keys(config.groups) }, 'starting cluster');
    supervisor.apply(config);
    await done;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    process.off('SIGHUP', reload);
    await supervisor.close();
  }
  logger.info({ exitCode }, 'cluster stopped');
  return exitCode;
}

function logOutcome(logger: Logger, outcome: Outcome): void {
  switch (outcome.kind) {
    case 'group-failed':
      logger.error({ group: outcome.group, reason: outcome.reason }, 'group failed: no more restarts');
      return;
    case 'reload-aborted':
      logger.error(
        { group: outcome.group, reason: outcome.reason },
        'reload aborted: old workers keep serving',
      );
      return;
    case 'rollout-finished':
      logger[outcome.ok ? 'info' : 'warn'](
        { request: outcome.request, groups: outcome.groups },
        'reload finished',
      );
      return;
    case 'group-ready':
    case 'group-recovered':
    case 'group-removed':
    case 'reload-finished':
      logger.info({ group: outcome.group }, outcome.kind.replace('-', ' '));
      return;
    case 'shutdown-complete':
      return;
  }
}

/** Logs one summary line per group once every group of the first config is ready. */
function watchReadiness(supervisor: Supervisor, logger: Logger, groups: () => string[]): void {
  const ready = new Set<string>();
  let announced = false;
  const stopWatching = supervisor.onOutcome((outcome) => {
    if (outcome.kind !== 'group-ready' || announced) return;
    ready.add(outcome.group);
    if (!groups().every((name) => ready.has(name))) return;
    announced = true;
    for (const group of supervisor.groups()) {
      const pids = group.workers.flatMap((worker) => (worker.pid === null ? [] : [worker.pid]));
      logger.info({ group: group.name, desired: group.desired, pids }, `${group.name}: ${pids.length} ready`);
    }
    logger.info('cluster ready');
    stopWatching();
  });
}
