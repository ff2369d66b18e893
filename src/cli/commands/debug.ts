import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { MAX_PROFILE_SECONDS } from '../../primary/control/debug-endpoint.ts';
import { DIAGNOSTIC_KINDS, type DiagnosticKind } from '../../worker/protocol.ts';
import { parseCommandArgs, usageError } from '../args.ts';
import { CONTROL_HELP, CONTROL_OPTIONS, errorOf, socketFor, stream, withCluster } from '../control-client.ts';
import { type CliIo, EXIT } from '../io.ts';

const HELP = `Usage: orchestrator debug heap|profile|report WORKER [--out PATH] [--seconds N]

Takes a diagnostic of a live worker, with no code in the app: the worker runtime writes it itself.

  heap      a heap snapshot (.heapsnapshot: open it in Chrome DevTools, Memory tab). The worker's event
            loop stops while V8 walks the heap (under a second for a small app, longer for a big
            heap): it serves nothing meanwhile.
  profile   a CPU profile of N seconds (.cpuprofile: Chrome DevTools, Performance tab, or speedscope);
            the worker keeps serving while it is profiled.
  report    Node's diagnostic report (process.report, JSON): stacks, heap statistics, handles, libraries.

WORKER is a worker id, a pid, or GROUP.INDEX (e.g. web.0), as \`orchestrator status\` shows them.

Options:
      --out PATH       a folder to write into (default: the current folder), or the file to write
      --seconds N      how long to profile (default 10, 1 to ${MAX_PROFILE_SECONDS})
${CONTROL_HELP}

The file is created with mode 0600 (a heap snapshot holds every string of the app, secrets included).
Exit status: 0, 1 unknown worker or the diagnostic failed (worker gone, disk full, no permission),
3 when no cluster runs for this config, 2 usage error.
`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseCommandArgs(
    'debug',
    argv,
    { ...CONTROL_OPTIONS, out: { type: 'string', short: 'o' }, seconds: { type: 'string' } },
    HELP,
    io,
    2,
  );
  if (!args.ok) return args.exitCode;
  const [kind, worker] = args.positionals;
  if (kind === undefined || !DIAGNOSTIC_KINDS.includes(kind as DiagnosticKind)) {
    return usageError('debug', `name what to take: ${DIAGNOSTIC_KINDS.join(', ')}`, io).exitCode;
  }
  if (worker === undefined)
    return usageError('debug', 'name a WORKER: an id, a pid or GROUP.INDEX', io).exitCode;
  const seconds = Number(args.values.seconds ?? 10);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_PROFILE_SECONDS) {
    return usageError('debug', `--seconds takes a whole number from 1 to ${MAX_PROFILE_SECONDS}`, io)
      .exitCode;
  }
  const out = resolve(io.cwd, args.values.out ?? '.');
  const dir = isDirectory(out);

  return withCluster('debug', io, async () => {
    const reply = await stream(
      socketFor(args.values, io.cwd),
      '/debug',
      { worker, kind, out, dir, seconds },
      (line) => {
        if (line.event === 'progress') io.stderr.write(`${line.message}...\n`);
      },
    );
    if (reply.status !== 200) {
      io.stderr.write(`orchestrator debug: ${errorOf(reply)}\n`);
      return EXIT.failed;
    }
    const done = reply.last?.event === 'done' ? reply.last : null;
    if (done === null) {
      io.stderr.write('orchestrator debug: the cluster stopped before the file was written\n');
      return EXIT.failed;
    }
    if (!done.ok) {
      io.stderr.write(`orchestrator debug: ${done.message}\n`);
      return EXIT.failed;
    }
    // The path alone on stdout, so `orchestrator debug heap web.0 | xargs ...` works; the rest on stderr.
    io.stderr.write(`${done.message}\n`);
    io.stdout.write(`${done.file ?? ''}\n`);
    return EXIT.ok;
  });
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
