/**
 * A helper cluster primary for one scheduling policy (given as argv[2]), commanded by the main process over
 * IPC. It holds no policy of its own: it forks, signals and reports, and the engine in the main process decides.
 *
 * If the main process goes away (even by SIGKILL) the IPC channel closes; this process then kills its
 * workers at once and exits, so nothing outlives the orchestrator.
 */
import { isScheduling } from '../../config/scheduling.ts';
import { installSharedHandleTap } from '../upgrade/shared-handle-tap.ts';
import { createLocalHost } from './local-host.ts';
import type { HostCommand, HostReport } from './remote-protocol.ts';
import type { HostEvent } from './types.ts';

const scheduling = process.argv[2];
if (!isScheduling(scheduling)) {
  // Started only by remote-host.ts with a policy the schema accepted: anything else is a bug, never round-robin.
  process.stderr.write(`host-process: unknown scheduling policy ${JSON.stringify(scheduling)}\n`);
  process.exit(2);
}
const preload = process.argv[3] ?? '';

const report = (message: HostReport, handle?: object): void => {
  if (!process.connected) return;
  if (handle === undefined) process.send?.(message);
  else process.send?.(message, handle as never, undefined, (error: Error | null) => void error);
};

const relay = (event: HostEvent): void => {
  if (event.type !== 'output') {
    report(event);
    return;
  }
  const { worker, fd, stream } = event;
  stream.on('data', (data: Buffer) => report({ type: 'chunk', worker, fd, data }));
  stream.on('close', () => report({ type: 'end', worker, fd }));
};

// Before the first fork: sees (and in a new primary's helper, inherits) the sockets shared with the workers.
const sockets = installSharedHandleTap();
const host = createLocalHost(scheduling, preload, relay);

process.on('message', (command: HostCommand, handle: unknown) => {
  switch (command.type) {
    case 'fork':
      host.fork(command.request);
      break;
    case 'send':
      host.send(command.worker, command.message);
      break;
    case 'kill':
      host.kill(command.worker, command.signal);
      break;
    case 'ping':
      report(command.request === undefined ? { type: 'pong' } : { type: 'pong', request: command.request });
      break;
    case 'list-sockets': {
      const listeners = sockets.listeners();
      for (const { key, handle } of listeners)
        report({ type: 'socket', request: command.request, key }, handle);
      report({ type: 'sockets-listed', request: command.request, count: listeners.length });
      break;
    }
    case 'adopt-socket':
      if (typeof handle === 'object' && handle !== null) sockets.adopt({ key: command.key, handle });
      break;
    case 'release-inherited':
      sockets.releaseInherited();
      break;
  }
});

process.on('disconnect', () => {
  void host.close().then(() => process.exit(0));
});
// The main process decides when to stop; a terminal's SIGINT to the whole process group is its to handle.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
