/**
 * A helper cluster primary for one scheduling policy (given as argv[2]), commanded by the main process over
 * IPC. It holds no policy of its own: it forks, signals and reports, and the engine in the main process decides.
 *
 * If the main process goes away (even by SIGKILL) the IPC channel closes; this process then kills its
 * workers at once and exits, so nothing outlives the orchestrator.
 */
import { isScheduling } from '../../config/scheduling.ts';
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

const report = (message: HostReport): void => {
  if (process.connected) process.send?.(message);
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

const host = createLocalHost(scheduling, preload, relay);

process.on('message', (command: HostCommand) => {
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
      report({ type: 'pong' });
      break;
  }
});

process.on('disconnect', () => {
  void host.close().then(() => process.exit(0));
});
// The main process decides when to stop; a terminal's SIGINT to the whole process group is its to handle.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
