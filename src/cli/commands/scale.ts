import { MAX_SCALE_COUNT } from '../../primary/control/server.ts';
import { parseCommandArgs, usageError } from '../args.ts';
import { CONTROL_HELP, CONTROL_OPTIONS, call, errorOf, socketFor, withCluster } from '../control-client.ts';
import { type CliIo, EXIT } from '../io.ts';

const HELP = `Usage: orchestrator scale GROUP=N [GROUP=N...] [-c FILE] [--socket PATH]

Sets how many workers a group runs, until the config changes next. Scaling up forks the lowest free
slots; scaling down drains the highest, gracefully.

Options:
${CONTROL_HELP}

Exit status: 0, 1 unknown group, 3 when no cluster runs for this config, 2 usage error.
`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseCommandArgs('scale', argv, CONTROL_OPTIONS, HELP, io, Number.POSITIVE_INFINITY);
  if (!args.ok) return args.exitCode;
  if (args.positionals.length === 0) return usageError('scale', 'name at least one GROUP=N', io).exitCode;
  const counts: Record<string, number> = {};
  for (const word of args.positionals) {
    const match = /^([^=]+)=(\d+)$/.exec(word);
    const count = Number(match?.[2]);
    if (!match?.[1] || !Number.isSafeInteger(count) || count > MAX_SCALE_COUNT) {
      return usageError('scale', `'${word}' is not GROUP=N with N from 0 to ${MAX_SCALE_COUNT}`, io).exitCode;
    }
    counts[match[1]] = count;
  }
  return withCluster('scale', io, async () => {
    const reply = await call(socketFor(args.values, io.cwd), 'POST', '/scale', { counts });
    if (reply.status !== 200) {
      io.stderr.write(`orchestrator scale: ${errorOf(reply)}\n`);
      return EXIT.failed;
    }
    const said = Object.entries(counts).map(([group, count]) => `${group}=${count}`);
    io.stdout.write(`scaling ${said.join(' ')}\n`);
    return EXIT.ok;
  });
}
