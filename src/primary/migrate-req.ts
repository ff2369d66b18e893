import { readFileSync } from 'node:fs';
import type { ClusterConfig } from '../config/schema.ts';

export const MIGRATE_REQ_SYSCTL = '/proc/sys/net/ipv4/tcp_migrate_req';

/**
 * Whether the kernel moves the connections waiting in a closing SO_REUSEPORT listener's accept queue to
 * another listener of its group (`net.ipv4.tcp_migrate_req`, Linux 5.14+). Without it, each worker of a
 * `reusePort` group that stops (reload, scale-down, drain) resets the few connections that arrived between
 * its last accept and its close; with it, none is lost (measured: docs/benchmarks.md). null when unknown.
 */
export function migratesRequests(
  read: (path: string) => string = (path) => readFileSync(path, 'latin1'),
): boolean | null {
  try {
    return read(MIGRATE_REQ_SYSCTL).trim() !== '0';
  } catch {
    return null;
  }
}

/** The warning for a config with `reusePort` groups on a kernel that drops instead of migrating, or null. */
export function reusePortWarning(config: ClusterConfig, migrates: () => boolean | null): string | null {
  const groups = Object.entries(config.groups).filter(([, group]) => group.scheduling === 'reusePort');
  if (groups.length === 0 || migrates() !== false) return null;
  return `${groups.map(([name]) => name).join(', ')}: with scheduling 'reusePort', a worker that stops (reload, scale-down) resets the connections still queued on its socket; set the sysctl net.ipv4.tcp_migrate_req=1 so the kernel hands them to another worker`;
}

/**
 * The warning for an upgrade of a config with `reusePort` groups on a kernel that drops instead of migrating,
 * or null: each old worker owns its socket, so its close at the end of the hand-over is a reload's close.
 */
export function upgradeCaveat(config: ClusterConfig, migrates: () => boolean | null): string | null {
  const groups = Object.entries(config.groups).filter(([, group]) => group.scheduling === 'reusePort');
  if (groups.length === 0 || migrates() !== false) return null;
  return `${groups.map(([name]) => name).join(', ')}: with scheduling 'reusePort', each old worker closes its own socket when it drains and the connections still queued on it are reset; set the sysctl net.ipv4.tcp_migrate_req=1 so the kernel hands them to a new worker`;
}
