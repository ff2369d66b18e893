import net from 'node:net';
import { ENV_WORKER_INDEX, isPrimaryMessage, type SpareMode } from './protocol.ts';
import { runtimeState } from './runtime-state.ts';

/**
 * A spare (`spares` in the config): booted, but serving nothing until the primary sends `activate` with the
 * slot it takes.
 *
 * - `boot`: the returned promise resolves on activation; the preload awaits it, and Node loads the app's entry
 *   only after its `--import` modules have settled, so the app starts only then.
 * - `preload`: the app's entry loads at once; every `listen()` and `ready()` it makes is held (a server that
 *   does not listen is in no round-robin and gets no connection) and made, in order, on activation.
 *
 * `standby` runs once the spare can take a slot: at once for `boot`, at the app's first held call for
 * `preload` (it has booted as far as it can without serving).
 *
 * Installed after the reusePort hook, so a held listen replays through it.
 */
export function holdUntilActivated(mode: SpareMode, standby: () => void): Promise<void> {
  const held: Array<() => void> = [];
  const activated: Array<() => void> = [];
  let active = false;
  let stood = false;
  const standByOnce = (): void => {
    if (stood) return;
    stood = true;
    standby();
  };
  const state = runtimeState();
  state.spare = {
    hold(run) {
      if (active) run();
      else {
        held.push(run);
        standByOnce();
      }
    },
    onActivate(run) {
      if (active) run();
      else activated.push(run);
    },
  };

  const listen = net.Server.prototype.listen;
  net.Server.prototype.listen = function (this: net.Server, ...args: unknown[]) {
    if (active) return (listen as (...a: unknown[]) => net.Server).apply(this, args);
    state.spare?.hold(() => (listen as (...a: unknown[]) => net.Server).apply(this, args));
    return this;
  } as typeof listen;

  return new Promise((resolve) => {
    const onMessage = (message: unknown): void => {
      if (!isPrimaryMessage(message) || message.orchestrator !== 'activate' || active) return;
      process.off('message', onMessage);
      process.env[ENV_WORKER_INDEX] = String(message.index);
      active = true;
      state.spare = null;
      net.Server.prototype.listen = listen;
      for (const run of activated.splice(0)) run();
      for (const run of held.splice(0)) run();
      resolve();
    };
    process.on('message', onMessage);
    if (mode === 'boot') standByOnce();
  });
}
