import { parseCommandArgs } from '../args.ts';
import { CONTROL_HELP, CONTROL_OPTIONS, errorOf, socketFor, stream, withCluster } from '../control-client.ts';
import { type CliIo, EXIT } from '../io.ts';

const HELP = `Usage: orchestrator reload [GROUP...] [-c FILE] [--socket PATH]

Re-reads the config file and replaces the workers of the given groups (all groups when none is given),
group by group in reload order, each new worker ready before an old one drains. Prints progress as it goes.
A group whose new workers fail is rolled back: its old workers keep serving.

Options:
${CONTROL_HELP}

Exit status: 0 every group rolled, 1 a group failed or was rolled back (or the config is invalid, or a group
is unknown), 3 when no cluster runs for this config, 2 usage error.
`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseCommandArgs('reload', argv, CONTROL_OPTIONS, HELP, io, Number.POSITIVE_INFINITY);
  if (!args.ok) return args.exitCode;
  return withCluster('reload', io, async () => {
    const reply = await stream(
      socketFor(args.values, io.cwd),
      '/reload',
      { groups: args.positionals },
      (line) => {
        if (line.event === 'progress') io.stdout.write(`${line.message}\n`);
      },
    );
    if (reply.status !== 200) {
      io.stderr.write(`orchestrator reload: ${errorOf(reply)}\n`);
      return EXIT.failed;
    }
    const done = reply.last?.event === 'done' ? reply.last : null;
    if (done === null) {
      io.stderr.write('orchestrator reload: the cluster stopped before the reload finished\n');
      return EXIT.failed;
    }
    (done.ok ? io.stdout : io.stderr).write(`${done.message}\n`);
    return done.ok ? EXIT.ok : EXIT.failed;
  });
}
