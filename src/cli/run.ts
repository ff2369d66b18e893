// The CLI process: runs the command named in argv (main.ts loads it once the Node version is known to be enough).
import { runCli } from './dispatch.ts';

const io = { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() };
try {
  process.exitCode = await runCli(process.argv.slice(2), io);
} catch (error) {
  // A bug, not a user mistake: say so in one line; ORCHESTRATOR_DEBUG=1 shows the stack.
  const detail = process.env.ORCHESTRATOR_DEBUG
    ? String((error as Error).stack)
    : String((error as Error).message);
  process.stderr.write(`orchestrator: internal error: ${detail}\n`);
  process.exitCode = 1;
}
