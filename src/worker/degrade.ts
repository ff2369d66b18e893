/**
 * The runtime works on the app's behalf, inside the app's process: nothing it does may crash the app. What
 * fails (a heartbeat sample when the process is out of file descriptors, a lazily loaded module, a reply)
 * degrades instead, and says so once per kind on stderr, so a storm does not flood the log.
 */
const warned = new Set<string>();

export function warn(line: string): void {
  try {
    process.stderr.write(`cluster-orchestrator: ${line}\n`);
  } catch {
    // stderr itself is gone: nothing left to tell.
  }
}

/** Warns about `what` failing, the first time only; `then` says how the runtime carries on. */
export function warnOnce(what: string, error: unknown, then: string): void {
  if (warned.has(what)) return;
  warned.add(what);
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const detail = code ?? String((error as Error | null)?.message ?? error);
  warn(`${what} failed (${detail}); ${then} (said once)`);
}
