import type { Worker } from 'node:cluster';
import { EventEmitter } from 'node:events';

/** The fields of node:cluster's internal messages this module reads (lib/internal/cluster). */
interface InternalMessage {
  readonly cmd?: unknown;
  readonly act?: unknown;
  readonly seq?: unknown;
}

type Send = (message: unknown, handle?: unknown, ...rest: unknown[]) => boolean;

/**
 * Keeps a worker out of file descriptors in node:cluster's round-robin rotation.
 *
 * The round-robin primary accepts each connection and hands it to a worker over IPC (`newconn`, with the
 * socket's descriptor), then waits for that worker's answer before giving it another. A worker with no free
 * descriptor cannot receive it: the kernel drops the descriptor, Node answers NODE_HANDLE_NACK and drops the
 * message with it (a bare TCP handle is never sent again), so the answer never comes. The primary then holds
 * that connection open for good and never gives the worker another: after one burst over the workers'
 * limit (`ulimit -n`), every worker is out of rotation, new connections pile up in the primary until it is
 * out of descriptors too, and the cluster serves nothing (and `status` gets no answer) until restarted.
 * Node 24.21, seen with `ulimit -n 64` and 120 keep-alive connections; raw node:cluster does the same.
 *
 * So on a NACK this answers for the worker: the lost hand-off is acknowledged as accepted, node:cluster
 * closes the connection (its client sees it closed, as when a server out of descriptors sheds an accept)
 * and gives the worker the next one. Handles are sent to a worker one at a time, each answered by exactly
 * one ACK or NACK, so the answers match the sends in order.
 */
export function answerLostHandoffs(worker: Worker, lost: () => void): void {
  const child = worker.process as Worker['process'] & { send?: Send };
  if (!(child instanceof EventEmitter) || typeof child.send !== 'function') return;
  const send = child.send;
  /** The `newconn` sequence number of each message sent with a handle, oldest first (null: another kind). */
  const inFlight: Array<number | null> = [];
  child.send = function sendTracked(this: unknown, message: unknown, handle?: unknown, ...rest: unknown[]) {
    if (handle) inFlight.push(newconnSeq(message));
    return send.call(this, message, handle, ...rest);
  };
  child.on('internalMessage', (message: InternalMessage) => {
    if (message?.cmd === 'NODE_HANDLE_ACK') inFlight.shift();
    if (message?.cmd !== 'NODE_HANDLE_NACK') return;
    const seq = inFlight.shift();
    if (seq === null || seq === undefined) return;
    lost();
    // What the worker would have answered had it received the connection and closed it.
    child.emit('internalMessage', { cmd: 'NODE_CLUSTER', ack: seq, accepted: true });
  });
}

function newconnSeq(message: unknown): number | null {
  const m = message as InternalMessage | null;
  return m?.cmd === 'NODE_CLUSTER' && m.act === 'newconn' && typeof m.seq === 'number' ? m.seq : null;
}
