import { parseCommandArgs, usageError } from '../args.ts';
import { CONTROL_HELP, CONTROL_OPTIONS, errorOf, socketFor, stream, withCluster } from '../control-client.ts';
import { type CliIo, EXIT } from '../io.ts';

const HELP = `Usage: orchestrator upgrade [-c FILE] [--socket PATH] [--timeout SECONDS] [--node PATH]

Replaces the running primary with a new one, started from the orchestrator and Node installed now, with no
failed request: the new primary takes over the listening sockets, starts its workers and waits until they
are ready; then the old primary drains its workers and exits. Same as SIGUSR2 to the 'up' process.
If the new primary cannot get ready (invalid config, crashing workers, timeout) it is stopped and the old
one keeps serving. Only round-robin groups can be handed over; see docs/upgrade.md for where it works.

Options:
${CONTROL_HELP}
      --timeout SECONDS  how long the new primary has to get ready (default 120)
      --node PATH      the Node binary for the new primary (default: the running primary's path)

Exit status: 0 upgraded, 1 refused or failed (the old primary keeps serving), 3 when no cluster runs for
this config, 2 usage error.
`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseCommandArgs(
    'upgrade',
    argv,
    { ...CONTROL_OPTIONS, timeout: { type: 'string' }, node: { type: 'string' } },
    HELP,
    io,
  );
  if (!args.ok) return args.exitCode;
  const { timeout, node } = args.values;
  const seconds = timeout === undefined ? undefined : Number(timeout);
  if (seconds !== undefined && !(Number.isFinite(seconds) && seconds > 0)) {
    return usageError('upgrade', `--timeout must be a positive number of seconds, got '${timeout}'`, io)
      .exitCode;
  }
  const body = {
    ...(seconds === undefined ? {} : { timeoutMs: Math.round(seconds * 1000) }),
    ...(node === undefined ? {} : { node }),
  };
  return withCluster('upgrade', io, async () => {
    const reply = await stream(socketFor(args.values, io.cwd), '/upgrade', body, (line) => {
      if (line.event === 'progress') io.stdout.write(`${line.message}\n`);
    });
    if (reply.status !== 200) {
      io.stderr.write(`orchestrator upgrade: ${errorOf(reply)}\n`);
      return EXIT.failed;
    }
    const done = reply.last?.event === 'done' ? reply.last : null;
    if (done === null) {
      io.stderr.write('orchestrator upgrade: the primary stopped before the upgrade finished\n');
      return EXIT.failed;
    }
    (done.ok ? io.stdout : io.stderr).write(`${done.message}\n`);
    return done.ok ? EXIT.ok : EXIT.failed;
  });
}
