import { join } from 'node:path';
import { DIAGNOSTIC_KINDS, type DiagnosticKind } from '../../worker/protocol.ts';
import type { StatusJson, WorkerStatus } from '../status.ts';

/** `POST /debug {"worker":"web.0","kind":"heap","out":"/abs/dir","dir":true,"seconds":10}`, parsed. */
export interface DebugRequest {
  /** A worker id, a pid, or GROUP.INDEX. */
  readonly worker: string;
  readonly kind: DiagnosticKind;
  /** Absolute: a folder (`dir`) where the file gets its default name, or the file itself. */
  readonly out: string;
  readonly dir: boolean;
  readonly seconds: number;
}

export const MAX_PROFILE_SECONDS = 3600;

export function parseDebugRequest(value: unknown): DebugRequest | string {
  if (typeof value !== 'object' || value === null) return 'expected a JSON object';
  const { worker, kind, out, dir, seconds } = value as Record<string, unknown>;
  if (typeof worker !== 'string' || worker === '') return '"worker" must name a worker';
  if (!DIAGNOSTIC_KINDS.includes(kind as DiagnosticKind))
    return `"kind" must be one of ${DIAGNOSTIC_KINDS.join(', ')}`;
  if (typeof out !== 'string' || !out.startsWith('/')) return '"out" must be an absolute path';
  if (typeof dir !== 'boolean') return '"dir" must be true or false';
  if (
    typeof seconds !== 'number' ||
    !Number.isInteger(seconds) ||
    seconds < 1 ||
    seconds > MAX_PROFILE_SECONDS
  ) {
    return `"seconds" must be a whole number from 1 to ${MAX_PROFILE_SECONDS}`;
  }
  return { worker, kind: kind as DiagnosticKind, out, dir, seconds };
}

export interface FoundWorker {
  readonly group: string;
  readonly worker: WorkerStatus & { readonly pid: number };
}

/**
 * The live worker named by an id, a pid or GROUP.INDEX, or what is wrong. A number is a worker id first
 * (they are small), else a pid; GROUP.INDEX takes the slot's running process (during a reload, the one that
 * serves: ready before starting).
 */
export function findWorker(status: StatusJson, name: string): FoundWorker | string {
  const live = status.groups.flatMap((group) =>
    group.workers.flatMap((worker) =>
      worker.pid === null ? [] : [{ group: group.name, worker: worker as FoundWorker['worker'] }],
    ),
  );
  if (/^\d+$/.test(name)) {
    const n = Number(name);
    const found = live.find((w) => w.worker.id === n) ?? live.find((w) => w.worker.pid === n);
    return found ?? `no live worker has id or pid ${name}`;
  }
  const match = /^(.+)\.(\d+)$/.exec(name);
  if (!match) return `'${name}' is not a worker id, a pid or GROUP.INDEX`;
  const [, group, index] = match;
  if (!status.groups.some((g) => g.name === group)) {
    return `unknown group ${group} (groups: ${status.groups.map((g) => g.name).join(', ')})`;
  }
  const slot = live.filter((w) => w.group === group && w.worker.index === Number(index));
  const found = slot.find((w) => w.worker.state === 'ready') ?? slot[0];
  return found ?? `no live worker in slot ${name}`;
}

const EXTENSIONS: Readonly<Record<DiagnosticKind, string>> = {
  heap: 'heapsnapshot',
  profile: 'cpuprofile',
  report: 'report.json',
};

/** The file to write: `out` itself, or in the folder `out` a name such as `web.0-4250-20261130T101500.heapsnapshot`. */
export function diagnosticFile(request: DebugRequest, found: FoundWorker, now: Date): string {
  if (!request.dir) return request.out;
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  return join(
    request.out,
    `${found.group}.${found.worker.index}-${found.worker.pid}-${stamp}.${EXTENSIONS[request.kind]}`,
  );
}
