import { chmodSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname } from 'node:path';

export type Claim = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * Makes `socketPath` free for this process: its folder exists, belongs to us and is private (0700); a
 * socket left by a primary that was killed (nobody answers) is removed; a socket somebody answers on means
 * a cluster for this config runs already, and is left alone.
 */
export async function claimSocketPath(socketPath: string): Promise<Claim> {
  const dir = dirname(socketPath);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = lstatSync(dir);
  const uid = process.getuid?.();
  if (!stat.isDirectory() || (uid !== undefined && stat.uid !== uid)) {
    return {
      ok: false,
      reason: `${dir} is not a folder of this user; refusing to put the control socket there`,
    };
  }
  // mkdir's mode is filtered by the umask, and the folder may predate us.
  if ((stat.mode & 0o777) !== 0o700) chmodSync(dir, 0o700);

  let existing: ReturnType<typeof lstatSync> | undefined;
  try {
    existing = lstatSync(socketPath);
  } catch {
    return { ok: true };
  }
  if (!existing.isSocket()) return { ok: false, reason: `${socketPath} exists and is not a socket` };
  if (await answers(socketPath)) return { ok: false, reason: 'a cluster for this config is already running' };
  unlinkSync(socketPath);
  return { ok: true };
}

/** Whether a process accepts connections on `socketPath` (within 1 s). */
export function answers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(socketPath);
    const done = (alive: boolean) => {
      socket.destroy();
      resolve(alive);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.setTimeout(1000, () => done(false));
  });
}
