// The benchmark's hello-world app, identical under every contender. CommonJS because PM2's cluster mode
// loads entries with require() (ESM entries break there, see docs/benchmarks.md).
// READY_FILE (optional): each worker appends its pid once listening, so the scale-out scenario can count
// ready workers the same way for every contender.
const { appendFileSync } = require('node:fs');
const { createServer } = require('node:http');

const body = 'hello world\n';
const server = createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
  response.end(body);
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => {
  if (process.env.READY_FILE) appendFileSync(process.env.READY_FILE, `${process.pid}\n`);
});
