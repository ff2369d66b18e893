import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';

/** The soft limit on open files of a process, from /proc. */
export function openFilesLimit(pid: number): number {
  const line = readFileSync(`/proc/${pid}/limits`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  return Number(line?.split(/\s+/)[3]);
}

/** A storm of connections held open; `release()` destroys them all. */
export interface HeldStorm {
  /** Connections that got an answer to their one request. */
  readonly answered: number;
  readonly opened: number;
  release(): void;
}

/**
 * `count` keep-alive connections, opened a few at a time (so the primary, which hands each one over, keeps
 * up), each sending one request and then held open until released: the workers that own them run out of file
 * descriptors. Bounded: each connection waits at most 200 ms for its answer.
 */
export async function openStorm(port: number, count: number): Promise<HeldStorm> {
  const sockets: Socket[] = [];
  let answered = 0;
  const open = (): Promise<void> =>
    new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1');
      sockets.push(socket);
      const done = setTimeout(resolve, 200);
      socket.on('error', () => {});
      socket.once('close', resolve);
      socket.once('data', () => {
        answered++;
        clearTimeout(done);
        resolve();
      });
      socket.write('GET / HTTP/1.1\r\nHost: storm\r\nConnection: keep-alive\r\n\r\n');
    });
  for (let i = 0; i < count; i += 5) await Promise.all(Array.from({ length: 5 }, open));
  return {
    answered,
    opened: sockets.length,
    release() {
      for (const socket of sockets) socket.destroy();
    },
  };
}

/** `openStorm`, held `holdMs`, then released. */
export async function storm(port: number, count: number, holdMs: number): Promise<{ answered: number }> {
  const held = await openStorm(port, count);
  await new Promise((resolve) => setTimeout(resolve, holdMs));
  held.release();
  return { answered: held.answered };
}
