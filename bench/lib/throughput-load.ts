/**
 * Saturating HTTP load for the throughput scenario: wrk when it is on PATH (C, far cheaper per request, so
 * less of the shared CPU goes to the client), else autocannon from npm. BENCH_LOADGEN=autocannon|wrk forces one.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

export interface ThroughputResult {
  readonly requestsPerSec: number;
  /** Connection errors, timeouts and non-2xx answers. */
  readonly errors: number;
  readonly p99Ms: number;
  /**
   * The load generator's own CPU time over the run's wall time (1.0 = one core busy), where known: when it
   * sits near 1.0, the one-threaded client, not the server, sets the rate, and every contender measures alike.
   */
  readonly clientCpuShare: number | null;
}

export interface ThroughputOptions {
  readonly url: string;
  readonly connections: number;
  readonly durationSec: number;
  /** Each request on a fresh TCP connection (the server is asked to close it). */
  readonly connectionPerRequest: boolean;
}

function hasWrk(): boolean {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return true;
  } catch (error) {
    // wrk --version prints its banner and exits 1: present all the same.
    return (error as { status?: number }).status === 1;
  }
}

export const LOAD_GENERATOR: 'wrk' | 'autocannon' =
  process.env.BENCH_LOADGEN === 'autocannon' || process.env.BENCH_LOADGEN === 'wrk'
    ? process.env.BENCH_LOADGEN
    : hasWrk()
      ? 'wrk'
      : 'autocannon';

export function measureThroughput(options: ThroughputOptions): Promise<ThroughputResult> {
  return LOAD_GENERATOR === 'wrk' ? runWrk(options) : runAutocannon(options);
}

function runWrk(options: ThroughputOptions): Promise<ThroughputResult> {
  const args = ['-t1', `-c${options.connections}`, `-d${options.durationSec}s`, '--latency'];
  if (options.connectionPerRequest) args.push('-H', 'Connection: close');
  // Through bash so its `times` builtin reports wrk's CPU time (its children's) once wrk ended.
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      ['-c', 'wrk "$@" && times', 'wrk', ...args, options.url],
      { timeout: (options.durationSec + 30) * 1000 },
      (error, stdout) => {
        if (error) return reject(error);
        const number = (pattern: RegExp): number => Number(pattern.exec(stdout)?.[1] ?? 0);
        const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
        const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
        resolve({
          requestsPerSec: number(/Requests\/sec:\s+([\d.]+)/),
          errors: socketErrors + number(/Non-2xx or 3xx responses: (\d+)/),
          p99Ms: wrkMs(/\s99%\s+([\d.]+)(us|ms|s)\b/.exec(stdout)),
          clientCpuShare: childCpuSeconds(stdout) / options.durationSec,
        });
      },
    );
  });
}

/** The children's user + system seconds from bash's `times` (its last line: `0m1.234s 0m0.567s`). */
function childCpuSeconds(stdout: string): number {
  const last = stdout.trim().split('\n').at(-1) ?? '';
  const times = [...last.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  return times.length === 2 ? (times[0] ?? 0) + (times[1] ?? 0) : Number.NaN;
}

function wrkMs(match: RegExpExecArray | null): number {
  if (!match) return Number.NaN;
  const value = Number(match[1]);
  return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value;
}

interface AutocannonResult {
  readonly requests: { readonly average: number };
  readonly latency: { readonly p99: number };
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;

async function runAutocannon(options: ThroughputOptions): Promise<ThroughputResult> {
  // autocannon ships no types; this is the slice of its programmatic API used here.
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSec,
    ...(options.connectionPerRequest ? { reconnectRate: 1 } : {}),
  });
  return {
    requestsPerSec: result.requests.average,
    errors: result.errors + result.timeouts + result.non2xx,
    p99Ms: result.latency.p99,
    clientCpuShare: null,
  };
}
