import type { ServerResponse } from 'node:http';
import type { LogEntry, LogRing, LogSelection } from '../logging/log-ring.ts';

/** `GET /logs?select=web,jobs.1&lines=50&since=<ms>&follow=1`, parsed. */
export interface LogsRequest {
  readonly selection: LogSelection;
  readonly lines: number | undefined;
  readonly since: number | undefined;
  readonly follow: boolean;
}

/** The most lines one answer carries before following: the ring never holds more per group anyway. */
const MAX_LINES = 100_000;

/**
 * Reads the query string of `/logs`; a string says what is wrong (400). Group names are checked against
 * `groups` (404 when one is unknown), so `logs wbe` fails instead of waiting silently for lines.
 */
export function parseLogsRequest(
  url: URL,
  groups: readonly string[],
): LogsRequest | { status: 400 | 404; error: string } {
  const select = url.searchParams.get('select') ?? '';
  let selection: Map<string, Set<number> | 'all'> | null = null;
  for (const word of select.split(',').filter((part) => part !== '')) {
    // A group may itself be named like `api.v2`: the whole word wins over GROUP.INDEX.
    const match = groups.includes(word) ? null : /^(.+?)(?:\.(\d+))?$/.exec(word);
    const group = match?.[1] ?? word;
    if (!groups.includes(group)) {
      return { status: 404, error: `unknown group ${group} (groups: ${groups.join(', ')})` };
    }
    selection ??= new Map();
    const index = match?.[2];
    const slots = selection.get(group);
    if (index === undefined) selection.set(group, 'all');
    else if (slots !== 'all') selection.set(group, new Set([...(slots ?? []), Number(index)]));
  }
  const lines = optionalNumber(url.searchParams.get('lines'));
  const since = optionalNumber(url.searchParams.get('since'));
  if (
    lines === null ||
    (lines !== undefined && (!Number.isInteger(lines) || lines < 0 || lines > MAX_LINES))
  ) {
    return { status: 400, error: `lines: a whole number from 0 to ${MAX_LINES}` };
  }
  if (since === null) return { status: 400, error: 'since: a time in ms since the epoch' };
  return { selection, lines, since, follow: url.searchParams.get('follow') === '1' };
}

function optionalNumber(text: string | null): number | undefined | null {
  if (text === null || text === '') return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}

/**
 * Answers `/logs` with NDJSON, one `LogEntry` a line: the kept lines that match, then (with `follow`) every
 * new one until the reader hangs up or the cluster stops.
 *
 * A slow reader must never slow the cluster nor grow the primary's memory: when `response.write` says the
 * socket's buffer is full, further lines for this reader are dropped and counted until it drains, then the
 * reader gets one primary-style record saying how many it missed. The buffer holds at most one batch past
 * the high-water mark.
 */
export function serveLogs(ring: LogRing, request: LogsRequest, response: ServerResponse): void {
  response.writeHead(200, { 'content-type': 'application/x-ndjson' });
  const backlog = ring.query({
    selection: request.selection,
    ...(request.since === undefined ? {} : { since: request.since }),
    ...(request.lines === undefined ? {} : { limit: request.lines }),
  });
  let blocked = !response.write(serialize(backlog));
  if (!request.follow) {
    response.end();
    return;
  }
  let dropped = 0;
  const stop = ring.follow(request.selection, {
    deliver(entries) {
      if (blocked) {
        dropped += entries.length;
        return;
      }
      blocked = !response.write(serialize(entries));
    },
    end() {
      response.end();
    },
  });
  response.on('drain', () => {
    blocked = false;
    if (dropped === 0) return;
    const notice = droppedNotice(dropped);
    dropped = 0;
    blocked = !response.write(serialize([notice]));
  });
  response.on('close', stop);
}

function serialize(entries: readonly LogEntry[]): string {
  let text = '';
  for (const entry of entries) text += `${JSON.stringify(entry)}\n`;
  return text;
}

/** Told to a reader that fell behind, in the primary's record shape so it reads like any other warning. */
export function droppedNotice(lines: number): LogEntry {
  const time = Date.now();
  return {
    seq: 0,
    time,
    record: JSON.stringify({
      level: 40,
      time,
      dropped: lines,
      msg: `logs: ${lines} lines dropped (this reader fell behind)`,
    }),
  };
}
