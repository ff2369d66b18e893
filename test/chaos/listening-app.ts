/**
 * The chaos test's worker: answers with who served it, and once listening appends its pid to LISTENED_FILE,
 * so the test knows which workers can take connections (under round-robin a worker holds no socket of its
 * own that /proc would show).
 */
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';

const server = createServer((_request, response) => {
  response.setHeader('content-type', 'application/json');
  response.end(
    JSON.stringify({ pid: process.pid, group: process.env.ORCHESTRATOR_GROUP, marker: process.env.MARKER }),
  );
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => {
  if (process.env.LISTENED_FILE) appendFileSync(process.env.LISTENED_FILE, `${process.pid}\n`);
});
