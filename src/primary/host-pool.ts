import type { Logger } from 'pino';
import { assertNever } from '../assert-never.ts';
import { createLocalHost } from './hosts/local-host.ts';
import { createRemoteHost } from './hosts/remote-host.ts';
import type { ClusterHost, HostListener, Scheduling } from './hosts/types.ts';

export interface HostPool {
  /** The host for a scheduling policy, started on first use. */
  for(scheduling: Scheduling): ClusterHost;
  close(): Promise<void>;
}

/**
 * One cluster host per scheduling policy in use. Round-robin, the default and by far the most common,
 * runs in this process, so a config with only round-robin groups costs no extra process; the first
 * `os` group starts a helper primary process for that policy.
 * `reusePort` groups run in this process too.
 */
export function createHostPool(preload: string, listener: HostListener, log: Logger): HostPool {
  const hosts = new Map<Scheduling, ClusterHost>();
  return {
    for(scheduling) {
      let host = hosts.get(scheduling);
      if (!host) {
        host = createHost(scheduling, preload, listener, log);
        hosts.set(scheduling, host);
      }
      return host;
    },
    async close() {
      await Promise.all([...hosts.values()].map((host) => host.close()));
      hosts.clear();
    },
  };
}

function createHost(
  scheduling: Scheduling,
  preload: string,
  listener: HostListener,
  log: Logger,
): ClusterHost {
  switch (scheduling) {
    case 'round-robin':
    // reusePort workers bind their own sockets, so node:cluster's policy never applies to them: they share
    // this process's round-robin primary.
    case 'reusePort':
      return createLocalHost(scheduling, preload, listener);
    case 'os':
      return createRemoteHost(scheduling, preload, listener, log);
    default:
      return assertNever(scheduling, 'scheduling policy');
  }
}
