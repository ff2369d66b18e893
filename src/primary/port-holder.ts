import { readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';

export interface ListenFailure {
  readonly code: 'EADDRINUSE' | 'EACCES' | 'EADDRNOTAVAIL';
  /** As the error says it (`0.0.0.0`, `::`, `127.0.0.1`, or `null` when a cluster worker's bind failed). */
  readonly address: string | null;
  readonly port: number;
}

/**
 * The listen error in a worker's last error line, e.g. `Error: listen EADDRINUSE: address already in use
 * 0.0.0.0:4150` or `Error: bind EADDRINUSE null:4150` (a cluster worker whose primary could not bind).
 */
export function parseListenFailure(line: string): ListenFailure | null {
  const match = /\b(?:listen|bind) (EADDRINUSE|EACCES|EADDRNOTAVAIL)\b.*?(?:(\S+):)?(\d+)\s*$/.exec(line);
  if (match === null) return null;
  const address = match[2] === undefined || match[2] === 'null' ? null : match[2];
  return { code: match[1] as ListenFailure['code'], address, port: Number(match[3]) };
}

export interface PortHolder {
  readonly pid: number;
  /** Its command line, shortened; null when it cannot be read. */
  readonly command: string | null;
}

/**
 * The process listening on TCP `port`, on Linux, where this user may see it: the socket's inode from
 * /proc/net/tcp and tcp6, then the process holding an fd on that socket. Best effort: null when not found
 * (another user's process, another network namespace, not Linux). Reads every process's fd table (about
 * 0.1 s for 140 processes on a busy 2-core machine), asynchronously so the primary keeps serving meanwhile:
 * call it once per problem, not per request.
 */
export async function findPortHolder(port: number, proc = '/proc'): Promise<PortHolder | null> {
  const inodes = new Set<string>();
  for (const table of ['net/tcp', 'net/tcp6']) {
    for (const inode of listeningInodes(await readOrEmpty(join(proc, table)), port)) inodes.add(inode);
  }
  if (inodes.size === 0) return null;
  for (const entry of await readdirOrEmpty(proc)) {
    if (!/^\d+$/.test(entry)) continue;
    const fds = join(proc, entry, 'fd');
    for (const fd of await readdirOrEmpty(fds)) {
      const target = await readlink(join(fds, fd)).catch(() => '');
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode !== undefined && inodes.has(inode)) {
        return { pid: Number(entry), command: await commandLine(join(proc, entry, 'cmdline')) };
      }
    }
  }
  return null;
}

/** Rows `sl local_address rem_address st ... inode`: state 0A is LISTEN; the port is hex after the colon. */
function listeningInodes(table: string, port: number): string[] {
  const found: string[] = [];
  for (const row of table.split('\n').slice(1)) {
    const fields = row.trim().split(/\s+/);
    const local = fields[1];
    if (local === undefined || fields[3] !== '0A') continue;
    const hexPort = local.slice(local.lastIndexOf(':') + 1);
    const inode = fields[9];
    if (Number.parseInt(hexPort, 16) === port && inode !== undefined && inode !== '0') found.push(inode);
  }
  return found;
}

async function commandLine(file: string): Promise<string | null> {
  const text = (await readOrEmpty(file)).split('\0').filter(Boolean).join(' ');
  if (text === '') return null;
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}

function readOrEmpty(file: string): Promise<string> {
  return readFile(file, 'utf8').catch(() => '');
}

function readdirOrEmpty(folder: string): Promise<string[]> {
  return readdir(folder).catch(() => []);
}
