/**
 * The example background worker: no server, so it tells the primary it is ready with `ready()` (its group
 * has `ready.on: 'message'`), does a unit of work every few seconds, and finishes the current unit before
 * it exits on drain.
 */
import { onShutdown, ready } from 'cluster-orchestrator/worker';

let processed = 0;
let current: Promise<void> = Promise.resolve();

async function processOne(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 200));
  processed += 1;
}

const tick = setInterval(() => {
  current = processOne();
}, 5000);

onShutdown(async () => {
  clearInterval(tick);
  await current;
  console.log(`jobs worker stopping after ${processed} jobs`);
});

console.log('jobs worker started');
ready();
