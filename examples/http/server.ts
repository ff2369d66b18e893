/**
 * The example web app: a plain node:http server. Nothing in it knows about the orchestrator beyond reading
 * which slot it runs in; readiness and graceful drain come from the runtime the primary loads into it.
 */
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 3000);
const slot = process.env.ORCHESTRATOR_WORKER_INDEX ?? '-';

const server = createServer((request, response) => {
  if (request.url === '/slow') {
    // Shows that a drain lets an in-flight request finish.
    setTimeout(() => response.end(`slow hello from slot ${slot} (pid ${process.pid})\n`), 2000);
    return;
  }
  response.setHeader('content-type', 'text/plain');
  response.end(`hello from slot ${slot} (pid ${process.pid})\n`);
});

server.listen(port, () => {
  console.log(`listening on http://localhost:${port}`);
});
