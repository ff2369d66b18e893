import type { Signal, WorkerId } from '../../policies/types.ts';
import type { PrimaryMessage } from '../../worker/protocol.ts';
import type { ForkRequest, HostEvent } from './types.ts';

/** Main process -> helper host process. */
export type HostCommand =
  | { readonly type: 'fork'; readonly request: ForkRequest }
  | { readonly type: 'send'; readonly worker: WorkerId; readonly message: PrimaryMessage }
  | { readonly type: 'kill'; readonly worker: WorkerId; readonly signal: Signal }
  /**
   * Are you there? Answered with `pong` (echoing `request`): a helper that stops answering is hung (stopped,
   * event loop blocked). With `request`, a round trip that ends only once everything the helper sent before
   * (or its exit) has been seen.
   */
  | { readonly type: 'ping'; readonly request?: number }
  /** An upgrade: send back every listening socket held for the workers (`socket` reports, then `sockets-listed`). */
  | { readonly type: 'list-sockets'; readonly request: number }
  /** A new primary's helper: the predecessor's socket for `key` (the message carries the handle). */
  | { readonly type: 'adopt-socket'; readonly key: string }
  /** The new primary is ready: close the inherited sockets no worker listened on. */
  | { readonly type: 'release-inherited' };

/**
 * Helper host process -> main process. Output travels as raw chunks (advanced serialization keeps them as
 * Buffers), so a line or a multibyte character split across chunks is reassembled by the same reader as
 * for local workers.
 */
export type HostReport =
  | Exclude<HostEvent, { readonly type: 'output' }>
  | {
      readonly type: 'chunk';
      readonly worker: WorkerId;
      readonly fd: 'stdout' | 'stderr';
      readonly data: Uint8Array;
    }
  | { readonly type: 'end'; readonly worker: WorkerId; readonly fd: 'stdout' | 'stderr' }
  | { readonly type: 'pong'; readonly request?: number }
  /** One listening socket (the message carries the handle), answering `list-sockets`. */
  | { readonly type: 'socket'; readonly request: number; readonly key: string }
  | { readonly type: 'sockets-listed'; readonly request: number; readonly count: number };
