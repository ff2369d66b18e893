import { closeSync, fchmodSync, fstatSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import type { DiagnosticKind } from './protocol.ts';

/**
 * Writes a diagnostic of this very process to `file` (created, or truncated, with mode 0600: a heap snapshot
 * holds every string of the app, secrets included) and resolves with its size in bytes. Loaded only when
 * `orchestrator debug` asks, so no worker pays for `node:inspector` otherwise.
 *
 * - heap: `HeapProfiler.takeHeapSnapshot`, streamed to the file chunk by chunk (never whole in memory). The
 *   snapshot itself stops this worker's event loop while V8 walks the heap (measured: 0.3-0.9 s for a
 *   small app, a 9 MB snapshot; it grows with the heap).
 * - profile: the V8 sampling CPU profiler for `seconds`; the worker keeps serving meanwhile.
 * - report: `process.report.getReport()` (Node's diagnostic report: stacks, heap statistics, handles,
 *   environment, loaded libraries).
 */
export async function writeDiagnostic(kind: DiagnosticKind, file: string, seconds: number): Promise<number> {
  // Opened first: a folder that cannot be written fails at once, not after a profile of `seconds`.
  const fd = openPrivate(file);
  try {
    switch (kind) {
      case 'heap':
        return await heapSnapshot(fd);
      case 'profile':
        return writeText(fd, JSON.stringify(await cpuProfile(seconds)));
      case 'report':
        return writeText(fd, JSON.stringify(process.report.getReport()));
    }
  } catch (error) {
    // A half-written snapshot would only mislead (DevTools cannot load it): remove it, if it is a file.
    if (fstatSync(fd).isFile()) unlinkSync(file);
    throw error;
  } finally {
    closeSync(fd);
  }
}

function openPrivate(file: string): number {
  const fd = openSync(file, 'w', 0o600);
  try {
    // The mode of open() applies only to a new file: an existing one is made private too (a regular file
    // only: a device such as /dev/stdout is left as it is).
    const stat = fstatSync(fd);
    if (stat.isFile() && (stat.mode & 0o777) !== 0o600) fchmodSync(fd, 0o600);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  return fd;
}

function writeText(fd: number, text: string): number {
  const bytes = Buffer.from(text);
  writeAll(fd, bytes);
  return bytes.length;
}

function writeAll(fd: number, bytes: Buffer): void {
  for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
}

async function heapSnapshot(fd: number): Promise<number> {
  const session = new Session();
  session.connect();
  let bytes = 0;
  let failure: unknown;
  session.on('HeapProfiler.addHeapSnapshotChunk', ({ params }) => {
    if (failure !== undefined) return;
    try {
      const chunk = Buffer.from(params.chunk);
      writeAll(fd, chunk);
      bytes += chunk.length;
    } catch (error) {
      failure = error;
    }
  });
  try {
    await session.post('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  } finally {
    session.disconnect();
  }
  if (failure !== undefined) throw failure;
  return bytes;
}

async function cpuProfile(seconds: number): Promise<unknown> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    const { profile } = await session.post('Profiler.stop');
    return profile;
  } finally {
    session.disconnect();
  }
}
