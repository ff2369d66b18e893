import type { OutputStream, WorkerTags } from './worker-tags.ts';

/**
 * One line kept for `orchestrator logs`: a record of the primary (pino's JSON line, no newline), or a raw
 * line of a worker with the tags it came with. Kept raw, not formatted: the reader formats it (JSON or
 * pretty, as `up` would), so the primary pays one small object per line and nothing more.
 */
export type LogEntry =
  | { readonly seq: number; readonly time: number; readonly record: string }
  | {
      readonly seq: number;
      readonly time: number;
      readonly tags: WorkerTags;
      readonly stream: OutputStream;
      readonly line: string;
    };

/** Which lines a reader wants: every line (null), or some groups, each whole or only some slots. */
export type LogSelection = ReadonlyMap<string, ReadonlySet<number> | 'all'> | null;

export interface LogQuery {
  readonly selection: LogSelection;
  /** Only lines written at or after this time (ms since the epoch). */
  readonly since?: number;
  /** At most this many lines: the last ones. */
  readonly limit?: number;
}

export interface RingLimits {
  /** Lines kept per group (and for the primary's own records). */
  readonly lines: number;
  /** Characters of text kept per group (and for the primary's own records). */
  readonly bytes: number;
}

/** 1,000 lines and 256 KiB of text per group: the README states these. */
export const DEFAULT_RING_LIMITS: RingLimits = { lines: 1000, bytes: 256 * 1024 };
/** What one kept line costs besides its text (object, tags pointer, numbers), counted against `bytes`. */
const ENTRY_OVERHEAD = 48;
/** The key of the primary's own records; group names are never empty. */
const PRIMARY = '';

export interface LogFollower {
  /** New lines matching the follower's selection, in order. */
  deliver(entries: readonly LogEntry[]): void;
  /** The ring is closing (the cluster stopped). */
  end(): void;
}

/**
 * The recent log of a running cluster, bounded per group in lines AND characters, so one chatty group can
 * neither push another's lines out nor grow the primary's memory. An append is a push and, once full, a
 * shift: O(1), no formatting, no parsing; followers cost something only while there are any.
 */
export class LogRing {
  readonly #limits: RingLimits;
  readonly #rings = new Map<string, Bounded>();
  readonly #followers = new Map<LogFollower, LogSelection>();
  #seq = 0;

  constructor(limits: RingLimits = DEFAULT_RING_LIMITS) {
    this.#limits = limits;
  }

  /** One record of the primary (pino's JSON line, with or without its newline). */
  appendRecord(record: string): void {
    const text = record.endsWith('\n') ? record.slice(0, -1) : record;
    const entry: LogEntry = { seq: ++this.#seq, time: Date.now(), record: this.#clip(text) };
    this.#ring(PRIMARY).push(entry, entry.record.length + ENTRY_OVERHEAD);
    if (this.#followers.size > 0) this.#notify([entry]);
  }

  /** A batch of complete lines of one worker stream. */
  appendLines(tags: WorkerTags, stream: OutputStream, lines: readonly string[]): void {
    if (lines.length === 0) return;
    const ring = this.#ring(tags.group);
    const time = Date.now();
    const entries: LogEntry[] = [];
    for (const raw of lines) {
      const line = this.#clip(raw);
      const entry: LogEntry = { seq: ++this.#seq, time, tags, stream, line };
      ring.push(entry, line.length + ENTRY_OVERHEAD);
      entries.push(entry);
    }
    if (this.#followers.size > 0) this.#notify(entries);
  }

  /** The kept lines that match, oldest first, merged across groups in the order they were written. */
  query(query: LogQuery): LogEntry[] {
    const keys = query.selection === null ? [...this.#rings.keys()] : [PRIMARY, ...query.selection.keys()];
    const since = query.since ?? Number.NEGATIVE_INFINITY;
    const found: LogEntry[] = [];
    for (const key of keys) {
      for (const entry of this.#rings.get(key)?.entries() ?? []) {
        if (entry.time >= since && selects(query.selection, entry)) found.push(entry);
      }
    }
    found.sort((a, b) => a.seq - b.seq);
    return query.limit === undefined ? found : found.slice(Math.max(0, found.length - query.limit));
  }

  /** Calls `follower` with every new line that matches `selection` until the returned function is called. */
  follow(selection: LogSelection, follower: LogFollower): () => void {
    this.#followers.set(follower, selection);
    return () => this.#followers.delete(follower);
  }

  /** Ends every follower (the cluster is stopping). */
  endFollowers(): void {
    const followers = [...this.#followers.keys()];
    this.#followers.clear();
    for (const follower of followers) follower.end();
  }

  /** Lines and characters kept per group ('' = the primary): for tests and measurements. */
  usage(): Map<string, { lines: number; bytes: number }> {
    return new Map([...this.#rings].map(([key, ring]) => [key, { lines: ring.size, bytes: ring.bytes }]));
  }

  #ring(key: string): Bounded {
    let ring = this.#rings.get(key);
    if (ring === undefined) {
      ring = new Bounded(this.#limits);
      this.#rings.set(key, ring);
    }
    return ring;
  }

  /** A line longer than a quarter of a group's budget is kept cut, so it cannot evict the group alone. */
  #clip(text: string): string {
    const max = Math.floor(this.#limits.bytes / 4);
    return text.length <= max ? text : `${text.slice(0, max)}… [cut]`;
  }

  #notify(entries: readonly LogEntry[]): void {
    for (const [follower, selection] of this.#followers) {
      const matching = selection === null ? entries : entries.filter((entry) => selects(selection, entry));
      if (matching.length > 0) follower.deliver(matching);
    }
  }
}

/**
 * Whether a reader's selection takes this line. A primary record is taken when the reader wants everything,
 * or when the record is about a selected group (its `group` field): `logs web` then also shows "web: 2
 * ready" and the restarts of web's workers. Parsed only here, on a read, never on the append.
 */
export function selects(selection: LogSelection, entry: LogEntry): boolean {
  if (selection === null) return true;
  if ('record' in entry) {
    const group = recordGroup(entry.record);
    if (group === undefined) return false;
    const slots = selection.get(group);
    if (slots === undefined) return false;
    const index = recordIndex(entry.record);
    return slots === 'all' || index === undefined || slots.has(index);
  }
  const slots = selection.get(entry.tags.group);
  return slots !== undefined && (slots === 'all' || slots.has(entry.tags.index));
}

function parsed(record: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(record);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function recordGroup(record: string): string | undefined {
  const group = parsed(record)?.group;
  return typeof group === 'string' ? group : undefined;
}

function recordIndex(record: string): number | undefined {
  const index = parsed(record)?.index;
  return typeof index === 'number' ? index : undefined;
}

/** A FIFO of entries bounded in count and in summed cost; the oldest go first. A circular buffer: no shifts. */
class Bounded {
  readonly #limits: RingLimits;
  readonly #items: (LogEntry | undefined)[];
  readonly #costs: number[];
  #head = 0;
  size = 0;
  bytes = 0;

  constructor(limits: RingLimits) {
    this.#limits = limits;
    this.#items = new Array(limits.lines);
    this.#costs = new Array(limits.lines).fill(0);
  }

  push(entry: LogEntry, cost: number): void {
    while (this.size > 0 && (this.size >= this.#limits.lines || this.bytes + cost > this.#limits.bytes)) {
      this.#dropOldest();
    }
    const at = (this.#head + this.size) % this.#limits.lines;
    this.#items[at] = entry;
    this.#costs[at] = cost;
    this.size++;
    this.bytes += cost;
  }

  *entries(): Generator<LogEntry> {
    for (let i = 0; i < this.size; i++) yield this.#items[(this.#head + i) % this.#limits.lines] as LogEntry;
  }

  #dropOldest(): void {
    this.bytes -= this.#costs[this.#head] ?? 0;
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.#limits.lines;
    this.size--;
  }
}
