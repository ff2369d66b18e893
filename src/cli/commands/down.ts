import { parseCommandArgs } from '../args.ts';
import { CONTROL_HELP, CONTROL_OPTIONS, errorOf, socketFor, stream, withCluster } from '../control-client.ts';
import { type CliIo, EXIT } from '../io.ts';

const HELP = `Usage: orchestrator down [-c FILE] [--socket PATH]

Drains every worker of the cluster started from this config (each is killed after its group's
shutdown.timeoutMs) and waits until the cluster has stopped.

Options:
${CONTROL_HELP}

Exit status: 0 stopped, 3 when no cluster runs for this config, 2 usage error.
`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseCommandArgs('down', argv, CONTROL_OPTIONS, HELP, io);
  if (!args.ok) return args.exitCode;
  return withCluster('down', io, async () => {
    const reply = await stream(socketFor(args.values, io.cwd), '/down', {}, (line) => {
      io.stdout.write(`${line.message}\n`);
    });
    if (reply.status !== 200) {
      io.stderr.write(`orchestrator down: ${errorOf(reply)}\n`);
      return EXIT.failed;
    }
    return EXIT.ok;
  });
}
