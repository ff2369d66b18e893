import { readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { join } from 'node:path';

/**
 * Overrides the cgroup v2 mount (`/sys/fs/cgroup`) for tests and diagnostics: the limits are then read from
 * that folder only (`cpu.max`, `memory.max`), and `process.constrainedMemory()` is not consulted.
 */
export const ENV_CGROUP_ROOT = 'ORCHESTRATOR_CGROUP_ROOT';
const CGROUP_ROOT = '/sys/fs/cgroup';

/** A limit read from the cgroup tree: the tightest one between the process's own cgroup and the root. */
export interface CgroupCpuLimit {
  readonly quota: number;
  readonly period: number;
}

export interface CgroupLimits {
  readonly cpu: CgroupCpuLimit | null;
  readonly memoryBytes: number | null;
}

export interface CgroupSources {
  /** The cgroup v2 mount point. */
  readonly root: string;
  /** The text of `/proc/self/cgroup`; its `0::/path` line names the process's cgroup under the root. */
  readonly procCgroup: string;
}

/**
 * Reads `cpu.max` and `memory.max` from the process's cgroup and each of its ancestors up to the root and
 * keeps the tightest: a Kubernetes limit sits on the pod's or container's cgroup, and a process may run in a
 * child of it. Missing files (cgroup v1, no controller, macOS) mean no limit.
 */
export function readCgroupLimits({ root, procCgroup }: CgroupSources): CgroupLimits {
  const own = /^0::(\/.*)$/m.exec(procCgroup)?.[1]?.trim() ?? '/';
  let cpu: CgroupCpuLimit | null = null;
  let memoryBytes: number | null = null;
  for (const dir of ancestors(own)) {
    const folder = join(root, dir);
    const quota = parseCpuMax(readText(join(folder, 'cpu.max')));
    if (quota && (cpu === null || quota.quota / quota.period < cpu.quota / cpu.period)) cpu = quota;
    const memory = parseMemoryMax(readText(join(folder, 'memory.max')));
    if (memory !== null && (memoryBytes === null || memory < memoryBytes)) memoryBytes = memory;
  }
  return { cpu, memoryBytes };
}

/** `/a/b` -> `/a/b`, `/a`, `/`. */
function ancestors(path: string): string[] {
  const parts = path.split('/').filter((part) => part !== '' && part !== '..');
  return parts.map((_, i) => `/${parts.slice(0, parts.length - i).join('/')}`).concat('/');
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** `200000 100000` = 2 CPUs; `max 100000` = no limit. */
export function parseCpuMax(text: string | null): CgroupCpuLimit | null {
  const match = text === null ? null : /^(\d+)\s+(\d+)\s*$/.exec(text.trim());
  if (!match) return null;
  const quota = Number(match[1]);
  const period = Number(match[2]);
  return quota > 0 && period > 0 ? { quota, period } : null;
}

/** A byte count, or `max` (no limit). */
export function parseMemoryMax(text: string | null): number | null {
  const trimmed = text?.trim() ?? '';
  if (!/^\d+$/.test(trimmed)) return null;
  const bytes = Number(trimmed);
  return bytes > 0 ? bytes : null;
}

/** What an `'auto'` setting resolved to, and a short reason a person can check against the machine. */
export interface Resolved {
  readonly value: number;
  readonly reason: string;
}

/** The CPUs and memory this process may use, as far as the machine tells. */
export interface Capacity {
  readonly cpus: Resolved;
  /** 0 = no memory limit. */
  readonly memoryBytes: Resolved;
}

export interface CapacityInputs {
  readonly env?: NodeJS.ProcessEnv;
  /** CPUs by affinity (`taskset`) and, on Node 24's libuv, the process's own cgroup quota. */
  readonly parallelism?: number;
  readonly constrainedMemory?: number;
  readonly procCgroup?: () => string;
}

/**
 * One worker per CPU the process may use: `os.availableParallelism()` (it honours the affinity mask, and on
 * Node 24 also the quota of the process's own cgroup) capped by the tightest cgroup v2 `cpu.max` quota read
 * here, which also covers a limit set on a parent cgroup and Node 22. A fractional quota is rounded down,
 * at least 1: like Go's automaxprocs and libuv, because N busy workers on fewer than N CPUs of quota get
 * throttled for the rest of each period, which shows as latency spikes; 1.5 CPUs run 1 worker.
 */
export function readCapacity(inputs: CapacityInputs = {}): Capacity {
  const env = inputs.env ?? process.env;
  const override = env[ENV_CGROUP_ROOT];
  const cgroup = readCgroupLimits({
    root: override || CGROUP_ROOT,
    procCgroup: inputs.procCgroup?.() ?? readText('/proc/self/cgroup') ?? '',
  });
  const parallelism = inputs.parallelism ?? availableParallelism();
  const quotaCpus =
    cgroup.cpu === null ? null : Math.max(1, Math.floor(cgroup.cpu.quota / cgroup.cpu.period));
  const cpus: Resolved =
    quotaCpus !== null && quotaCpus <= parallelism
      ? { value: quotaCpus, reason: `cgroup cpu.max ${cgroup.cpu?.quota}/${cgroup.cpu?.period}` }
      : { value: Math.max(1, parallelism), reason: `os.availableParallelism() ${parallelism}` };

  // Node reports "no limit" as 0 or as a huge number (UINT64_MAX) depending on the version.
  const constrained = override ? 0 : (inputs.constrainedMemory ?? process.constrainedMemory());
  const nodeLimit = constrained > 0 && constrained < totalmem() ? constrained : null;
  const candidates: Array<Resolved> = [];
  if (cgroup.memoryBytes !== null)
    candidates.push({ value: cgroup.memoryBytes, reason: `cgroup memory.max ${cgroup.memoryBytes}` });
  if (nodeLimit !== null)
    candidates.push({ value: nodeLimit, reason: `process.constrainedMemory() ${nodeLimit}` });
  const memoryBytes = candidates.reduce<Resolved>(
    (tightest, next) => (tightest.value === 0 || next.value < tightest.value ? next : tightest),
    { value: 0, reason: 'no container memory limit' },
  );
  return { cpus, memoryBytes };
}
