/**
 * The classic node:cluster recipe (the seed guide's "Scaling with the cluster Module"), as users write it:
 * fork one worker per slot, respawn a worker that died unasked, and on SIGHUP roll the pool one worker at a
 * time: fork a fresh worker, wait for its `listening`, then `disconnect()` an old one. SIGTERM disconnects all.
 *
 * The benchmark talks to it through one JSON line per event on stdout: {"event":"ready"} once every first worker
 * listens, {"event":"reloaded"} once a roll finished.
 *
 * Plain JavaScript, as the guide writes it: run as TypeScript, Node's type stripper alone added ~18 MB to
 * this primary's RSS and time to its start, which no raw node:cluster user pays.
 *
 *   WORKERS=2 PORT=3000 node bench/contenders/raw-cluster.mjs
 */
import cluster from 'node:cluster';
import { fileURLToPath } from 'node:url';

const workers = Number(process.env.WORKERS ?? 2);
const say = (event) => {
  process.stdout.write(`${JSON.stringify({ event })}\n`);
};

cluster.setupPrimary({ exec: fileURLToPath(new URL('../apps/hello.cjs', import.meta.url)) });

let listening = 0;
for (let i = 0; i < workers; i++) {
  cluster.fork().once('listening', () => {
    listening += 1;
    if (listening === workers) say('ready');
  });
}

cluster.on('exit', (worker) => {
  if (!worker.exitedAfterDisconnect && !stopping) cluster.fork();
});

let rolling = Promise.resolve();
process.on('SIGHUP', () => {
  rolling = rolling.then(async () => {
    for (const old of Object.values(cluster.workers ?? {})) {
      const fresh = cluster.fork();
      await new Promise((resolve) => fresh.once('listening', () => resolve()));
      old.disconnect();
    }
    say('reloaded');
  });
});

let stopping = false;
process.on('SIGTERM', () => {
  stopping = true;
  for (const worker of Object.values(cluster.workers ?? {})) worker.disconnect();
  cluster.disconnect(() => process.exit(0));
});
