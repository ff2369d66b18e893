import type { Signal, WorkerId } from '../../policies/types.ts';
import type { PrimaryMessage } from '../../worker/protocol.ts';
import type { ForkRequest, HostEvent } from './types.ts';

/** Main process -> helper host process. */
export type HostCommand =
  | { readonly type: 'fork'; readonly request: ForkRequest }
  | { readonly type: 'send'; readonly worker: WorkerId; readonly message: PrimaryMessage }
  | { readonly type: 'kill'; readonly worker: WorkerId; readonly signal: Signal }
  /** Are you there? Answered with `pong`: a helper that stops answering is hung (stopped, event loop blocked). */
  | { readonly type: 'ping' };

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
  | { readonly type: 'pong' };
