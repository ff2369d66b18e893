import type { Readable } from 'node:stream';
import type { Signal, WorkerId } from '../../policies/types.ts';
import type { PrimaryMessage, WorkerMessage } from '../../worker/protocol.ts';

export type { Scheduling } from '../../config/scheduling.ts';

import type { Scheduling } from '../../config/scheduling.ts';
import type { HandedSocket } from '../upgrade/shared-handle-tap.ts';

/** Everything needed to start one worker process. */
export interface ForkRequest {
  readonly worker: WorkerId;
  readonly entry: string;
  readonly args: readonly string[];
  readonly execArgv: readonly string[];
  /** Merged over the primary's environment by node:cluster. */
  readonly env: Readonly<Record<string, string>>;
}

/** What a host reports about the workers it started; the supervisor turns these into engine events. */
export type HostEvent =
  | { readonly type: 'forked'; readonly worker: WorkerId; readonly pid: number }
  | { readonly type: 'online'; readonly worker: WorkerId }
  | { readonly type: 'listening'; readonly worker: WorkerId }
  | { readonly type: 'message'; readonly worker: WorkerId; readonly message: WorkerMessage }
  | {
      readonly type: 'exit';
      readonly worker: WorkerId;
      readonly code: number | null;
      readonly signal: string | null;
      /** Set when the process could not be started at all (e.g. `spawn EMFILE`). */
      readonly error?: string;
      /** The helper process that ran the worker died and took it along: not the app's failure. */
      readonly cause?: 'host-lost';
    }
  /** A worker's stdout/stderr; `stream` ends when the worker's pipe closes. */
  | {
      readonly type: 'output';
      readonly worker: WorkerId;
      readonly fd: 'stdout' | 'stderr';
      readonly stream: Readable;
    };

export type HostListener = (event: HostEvent) => void;

/**
 * A node:cluster primary with one scheduling policy. Node freezes `cluster.schedulingPolicy` at the first
 * fork, so each policy in use gets its own host: round-robin runs in the main process, `os` in a helper process.
 */
export interface ClusterHost {
  readonly scheduling: Scheduling;
  /**
   * Every fork ends in exactly one 'exit' event, a fork that never started included (its 'exit' carries
   * `error`): the engine waits for that exit, a shutdown too.
   */
  fork(request: ForkRequest): void;
  send(worker: WorkerId, message: PrimaryMessage): void;
  kill(worker: WorkerId, signal: Signal): void;
  /** Stops the host once its workers are gone; kills any that are left. */
  close(): Promise<void>;
  /**
   * The listening sockets this host's primary holds for its workers (an `os` helper's shared handles), for an
   * upgrade to hand to the new primary. A host in this process has none: the primary's listen tap sees them.
   */
  listeningSockets?(): Promise<HandedSocket[]>;
  /**
   * A round trip to a helper process: true once it answered, false when it is gone (dead, or not answering in
   * time). A new primary checks this before taking over: a helper that died took its workers along, which the
   * engine may not have heard yet (their exits wait for their last output).
   */
  sync?(): Promise<boolean>;
  /** The new primary is ready: the sockets it inherited and no worker of this host listened on are closed. */
  releaseInherited?(): void;
}
