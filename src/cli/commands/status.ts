import type { StatusJson } from '../../primary/status.ts';
import { parseCommandArgs } from '../args.ts';
import { CONTROL_HELP, CONTROL_OPTIONS, call, errorOf, socketFor, withCluster } from '../control-client.ts';
import { type CliIo, EXIT } from '../io.ts';
import { formatStatusTable } from '../status-table.ts';

const HELP = `Usage: orchestrator status [--json] [-c FILE] [--socket PATH]

Shows each group (state, ready/desired, restarts) and each worker (pid, state, uptime, memory, CPU time)
of the cluster started from this config.

Options:
      --json           print the status as JSON (see the README for its fields)
${CONTROL_HELP}

Exit status: 0, 3 when no cluster runs for this config, 2 usage error.
`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseCommandArgs('status', argv, { ...CONTROL_OPTIONS, json: { type: 'boolean' } }, HELP, io);
  if (!args.ok) return args.exitCode;
  return withCluster('status', io, async () => {
    const reply = await call(socketFor(args.values, io.cwd), 'GET', '/status');
    if (reply.status !== 200) {
      io.stderr.write(`orchestrator status: ${errorOf(reply)}\n`);
      return EXIT.failed;
    }
    const status = reply.body as StatusJson;
    io.stdout.write(
      args.values.json ? `${JSON.stringify(status, null, 2)}\n` : formatStatusTable(status, Date.now()),
    );
    return EXIT.ok;
  });
}
