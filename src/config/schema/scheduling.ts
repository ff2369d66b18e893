import * as z from 'zod';
import { SCHEDULING_POLICIES } from '../scheduling.ts';

/** Node's `reusePort` listen option arrived in 22.12 (and 23.1). */
const REUSE_PORT_SINCE: readonly [number, number] = [22, 12];

/**
 * Why `scheduling: 'reusePort'` cannot work here, or null: SO_REUSEPORT with the kernel spreading
 * connections is Linux's (elsewhere the option is missing or means something else), and Node must know the
 * `reusePort` listen option.
 */
export function reusePortProblem(platform: string, nodeVersion: string): string | null {
  if (platform !== 'linux') return `needs Linux (this is ${platform}); use 'round-robin' or 'os'`;
  const [major = 0, minor = 0] = nodeVersion.split('.').map(Number);
  const [needMajor, needMinor] = REUSE_PORT_SINCE;
  if (major < needMajor || (major === needMajor && minor < needMinor)) {
    return `needs Node.js >= ${needMajor}.${needMinor} (this is ${nodeVersion}); use 'round-robin' or 'os'`;
  }
  return null;
}

export const schedulingSchema = z
  .enum(SCHEDULING_POLICIES)
  .check((context) => {
    if (context.value !== 'reusePort') return;
    const problem = reusePortProblem(process.platform, process.versions.node);
    if (problem !== null)
      context.issues.push({ code: 'custom', input: context.value, message: `'reusePort' ${problem}` });
  })
  .default('round-robin')
  .meta({
    description:
      "How connections reach workers: 'round-robin' (the primary accepts and hands them out, SCHED_RR), 'os' (workers accept on one shared socket, SCHED_NONE), or 'reusePort' (Linux, Node >= 22.12: each worker binds its own socket with SO_REUSEPORT and the kernel spreads connections evenly; the primary is off the connection path; a fixed port is needed, port 0 stays round-robin).",
  });
