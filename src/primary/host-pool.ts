import type { Logger } from 'pino';
import { assertNever } from '../assert-never.ts';
import { createLocalHost } from './hosts/local-host.ts';
import { createRemoteHost, HELPER_RESTART } from './hosts/remote-host.ts';
import type { ClusterHost, HostListener, Scheduling } from './hosts/types.ts';
import type { HandedSocket } from './upgrade/shared-handle-tap.ts';

export interface HostPool {
  /** The host for a scheduling policy, started on first use. */
  for(scheduling: Scheduling): ClusterHost;
  close(): Promise<void>;
  /** The listening sockets the helper hosts hold for their workers, for an upgrade (see ClusterHost). */
  listeningSockets(): Promise<HandedSocket[]>;
  /** See ClusterHost.sync: whether every helper host answered. */
  sync(): Promise<boolean>;
  /** The new primary is ready: every host closes the inherited sockets its workers did not use. */
  releaseInherited(): void;
}

/**
 * One cluster host per scheduling policy in use. Round-robin, the default and by far the most common,
 * runs in this process, so a config with only round-robin groups costs no extra process; the first
 * `os` group starts a helper primary process for that policy.
 * `reusePort` groups run in this process too.
 */
export function createHostPool(
  preload: string,
  listener: HostListener,
  log: Logger,
  /** Sockets inherited from a predecessor primary and not used yet (see createRemoteHost). */
  inherited: () => readonly HandedSocket[] = () => [],
): HostPool {
  const hosts = new Map<Scheduling, ClusterHost>();
  return {
    for(scheduling) {
      let host = hosts.get(scheduling);
      if (!host) {
        host = createHost(scheduling, preload, listener, log, inherited);
        hosts.set(scheduling, host);
      }
      return host;
    },
    async close() {
      await Promise.all([...hosts.values()].map((host) => host.close()));
      hosts.clear();
    },
    async listeningSockets() {
      const lists = await Promise.all([...hosts.values()].map((host) => host.listeningSockets?.() ?? []));
      return lists.flat();
    },
    async sync() {
      const answers = await Promise.all([...hosts.values()].map((host) => host.sync?.() ?? true));
      return answers.every(Boolean);
    },
    releaseInherited() {
      for (const host of hosts.values()) host.releaseInherited?.();
    },
  };
}

function createHost(
  scheduling: Scheduling,
  preload: string,
  listener: HostListener,
  log: Logger,
  inherited: () => readonly HandedSocket[],
): ClusterHost {
  switch (scheduling) {
    case 'round-robin':
    // reusePort workers bind their own sockets, so node:cluster's policy never applies to them: they share
    // this process's round-robin primary.
    case 'reusePort':
      return createLocalHost(scheduling, preload, listener, {
        warn: (details, message) => log.warn(details, message),
      });
    case 'os':
      return createRemoteHost(scheduling, preload, listener, log, HELPER_RESTART, inherited);
    default:
      return assertNever(scheduling, 'scheduling policy');
  }
}
