import type { ClusterConfig } from '../../config/schema.ts';

/**
 * What both exports read from a config: plain functions of the validated config, so a unit file and a
 * manifest made from the same file always agree.
 */

/** Time for the primary itself to log, close its endpoints and exit once the last worker is gone. */
export const PRIMARY_EXIT_MARGIN_S = 5;

/** Per reload order, after its kill-deadline: SIGKILL, the exit reaching the primary, the next order starting. */
export const ORDER_KILL_MARGIN_S = 1;

/**
 * The worst case of a graceful stop, in whole seconds (rounded up): shutdown drains one reload order after
 * another (the highest first, the next once the previous one is gone), so a stop may take, for every order,
 * its longest `shutdown.timeoutMs` plus the kill margin. Example: orders 0 (10 s) and 1 (20 s, 5 s) ->
 * (10 + 1) + (20 + 1) = 32 s.
 */
export function drainBudgetSeconds(config: ClusterConfig): number {
  const longestByOrder = new Map<number, number>();
  for (const g of Object.values(config.groups)) {
    const order = g.reload.order;
    longestByOrder.set(order, Math.max(longestByOrder.get(order) ?? 0, g.shutdown.timeoutMs));
  }
  let seconds = 0;
  for (const ms of longestByOrder.values()) seconds += Math.ceil(ms / 1000) + ORDER_KILL_MARGIN_S;
  return seconds;
}

/** How many reload orders drain one after another at shutdown. */
export function drainOrders(config: ClusterConfig): number {
  return new Set(Object.values(config.groups).map((g) => g.reload.order)).size;
}

/** How long a stop may take before the platform kills everything: every order's drain plus the primary's exit. */
export function stopTimeoutSeconds(config: ClusterConfig): number {
  return drainBudgetSeconds(config) + PRIMARY_EXIT_MARGIN_S;
}

export function longestReadySeconds(config: ClusterConfig): number {
  return Math.ceil(Math.max(0, ...Object.values(config.groups).map((g) => g.ready.timeoutMs)) / 1000);
}

export function longestReloadSeconds(config: ClusterConfig): number {
  return Math.ceil(Math.max(0, ...Object.values(config.groups).map((g) => g.reload.timeoutMs)) / 1000);
}

export interface DeclaredPort {
  readonly name: string;
  readonly port: number;
  readonly groups: readonly string[];
}

const PORT_VAR = /^(?:.+_)?PORT$/;

/**
 * The ports the groups serve, as the config declares them: env vars named `PORT` or `*_PORT` with a port
 * number (the convention every Node framework reads). Groups on the same port share it (node:cluster shares
 * one listening handle). Names are valid Kubernetes port names (<= 15 characters, lowercase, a letter).
 * Example: web { PORT: '3000' }, admin_api { ADMIN_PORT: '9000' } -> web 3000, admin-api 9000.
 */
export function declaredPorts(config: ClusterConfig): DeclaredPort[] {
  const byPort = new Map<number, { name: string; groups: string[] }>();
  const used = new Set<string>(['metrics']);
  for (const [group, settings] of Object.entries(config.groups)) {
    for (const [key, value] of Object.entries(settings.env)) {
      if (!PORT_VAR.test(key) || !/^\d+$/.test(value)) continue;
      const port = Number(value);
      if (port < 1 || port > 65_535) continue;
      const existing = byPort.get(port);
      if (existing) {
        if (!existing.groups.includes(group)) existing.groups.push(group);
        continue;
      }
      const name = uniqueName(portName(key === 'PORT' ? group : `${group}-${key.slice(0, -5)}`), used);
      used.add(name);
      byPort.set(port, { name, groups: [group] });
    }
  }
  return [...byPort.entries()]
    .sort(([a], [b]) => a - b)
    .map(([port, { name, groups }]) => ({ name, port, groups }));
}

/** A DNS-1123 label (Kubernetes object names): lowercase letters, digits and '-', at most `max` long. */
export function dnsLabel(text: string, max = 63, fallback = 'app'): string {
  const label = text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .slice(0, max)
    .replace(/^-+|-+$/g, '');
  return label === '' ? fallback : label;
}

function portName(text: string): string {
  const name = dnsLabel(text, 15, 'http');
  return /[a-z]/.test(name) ? name : `p${name}`.slice(0, 15);
}

function uniqueName(base: string, used: ReadonlySet<string>): string {
  if (!used.has(base)) return base;
  for (let n = 2; ; n++) {
    const name = `${base.slice(0, 15 - String(n).length - 1)}-${n}`;
    if (!used.has(name)) return name;
  }
}
