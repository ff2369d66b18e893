import type { IncomingMessage } from 'node:http';
import { createInterface } from 'node:readline';
import type { LogEntry } from '../../primary/logging/log-ring.ts';
import type { StatusJson } from '../../primary/status.ts';
import { parseCommandArgs, usageError } from '../args.ts';
import { CONTROL_HELP, CONTROL_OPTIONS, call, open, socketFor, withCluster } from '../control-client.ts';
import { type CliIo, EXIT } from '../io.ts';
import { createLogRenderer, parseSince } from '../logs/render.ts';

const HELP = `Usage: orchestrator logs [GROUP[.INDEX]...] [-f] [-n N] [--since DURATION] [--json]

Prints the last lines of the running cluster: the primary's own records and every worker's output, as
\`up\` prints them (readable lines on a terminal, JSON lines otherwise). The primary keeps the last 1,000
lines (at most 256 KiB) of each group and of its own records.

  orchestrator logs                 the last 20 lines of everything
  orchestrator logs web jobs.0 -f   group web and slot 0 of jobs, then follow until Ctrl-C

Options:
  -f, --follow         keep printing new lines until Ctrl-C (or until the cluster stops)
  -n, --lines N        how many of the kept lines to print first (default 20; all with --since)
      --since D        only lines from the last D (30s, 10m, 2h, 1d) or since an ISO date
      --json           JSON lines even on a terminal
${CONTROL_HELP}

A reader too slow for the cluster's output misses lines rather than slowing the cluster: it is told
how many. Exit status: 0, 1 unknown group, 3 when no cluster runs for this config, 2 usage error.
`;

const DEFAULT_LINES = 20;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseCommandArgs(
    'logs',
    argv,
    {
      ...CONTROL_OPTIONS,
      follow: { type: 'boolean', short: 'f' },
      lines: { type: 'string', short: 'n' },
      since: { type: 'string' },
      json: { type: 'boolean' },
    },
    HELP,
    io,
    Number.POSITIVE_INFINITY,
  );
  if (!args.ok) return args.exitCode;
  const query = new URLSearchParams();
  for (const word of args.positionals) {
    if (word === '' || word.includes(','))
      return usageError('logs', `'${word}' is not GROUP or GROUP.INDEX`, io).exitCode;
  }
  if (args.positionals.length > 0) query.set('select', args.positionals.join(','));
  if (args.values.lines !== undefined) {
    if (!/^\d+$/.test(args.values.lines)) {
      return usageError('logs', `--lines takes a whole number, got '${args.values.lines}'`, io).exitCode;
    }
    query.set('lines', args.values.lines);
  } else if (args.values.since === undefined) query.set('lines', String(DEFAULT_LINES));
  if (args.values.since !== undefined) {
    const since = parseSince(args.values.since, Date.now());
    if (since === undefined) {
      return usageError(
        'logs',
        `--since takes a duration such as 10m or an ISO date, got '${args.values.since}'`,
        io,
      ).exitCode;
    }
    query.set('since', String(Math.floor(since)));
  }
  if (args.values.follow) query.set('follow', '1');

  const stdout = io.stdout as CliIo['stdout'] & Partial<NodeJS.WritableStream> & { isTTY?: boolean };
  const pretty = args.values.json !== true && stdout.isTTY === true;
  const { colorsEnabled } = await import('../../primary/logging/colors.ts');

  return withCluster('logs', io, async () => {
    const socket = socketFor(args.values, io.cwd);
    const render = createLogRenderer(
      pretty,
      pretty && colorsEnabled(stdout, process.env),
      pretty ? await runningWorkers(socket) : [],
    );
    const response = await open(socket, 'GET', `/logs?${query}`);
    if (response.statusCode !== 200) {
      let text = '';
      for await (const chunk of response) text += chunk;
      const error = (JSON.parse(text || '{}') as { error?: string }).error ?? `HTTP ${response.statusCode}`;
      io.stderr.write(`orchestrator logs: ${error}\n`);
      return EXIT.failed;
    }
    // Ctrl-C ends a follow, and so does a reader that went away (`logs -f | head`): both are a normal end.
    const stop = new AbortController();
    const hangUp = (): void => {
      stop.abort();
      response.destroy();
    };
    process.once('SIGINT', hangUp);
    stdout.on?.('error', hangUp);
    try {
      await copyLines(response, render, stdout, stop.signal);
    } finally {
      process.off('SIGINT', hangUp);
      stdout.off?.('error', hangUp);
    }
    if (args.values.follow && !stop.signal.aborted) {
      io.stderr.write(
        response.complete
          ? 'orchestrator logs: the cluster stopped\n'
          : 'orchestrator logs: the connection to the cluster was lost\n',
      );
    }
    return EXIT.ok;
  });
}

/** The cluster's workers now, so pretty labels line up from the first line. */
async function runningWorkers(socket: string): Promise<{ group: string; index: number }[]> {
  const reply = await call(socket, 'GET', '/status');
  if (reply.status !== 200) return [];
  return (reply.body as StatusJson).groups.flatMap((group) =>
    group.workers.map((worker) => ({ group: group.name, index: worker.index })),
  );
}

/**
 * Prints each entry as it arrives, waiting for a slow stdout (so the primary sees the pressure, not our
 * memory). Stops when `stop` aborts, even while waiting for stdout: a closed pipe never drains.
 */
async function copyLines(
  response: IncomingMessage,
  render: (entry: LogEntry) => string,
  stdout: CliIo['stdout'] & Partial<NodeJS.WritableStream>,
  stop: AbortSignal,
): Promise<void> {
  const lines = createInterface({ input: response, crlfDelay: Number.POSITIVE_INFINITY });
  // A destroyed response never ends readline by itself, and lines already read would still be handed out.
  const close = (): void => lines.close();
  response.once('close', () => {
    if (stop.aborted) close();
  });
  stop.addEventListener('abort', close);
  try {
    for await (const text of lines) {
      if (stop.aborted) break;
      if (text === '') continue;
      const written = stdout.write(render(JSON.parse(text) as LogEntry));
      if (written === false && stdout.once !== undefined && !stop.aborted) {
        await new Promise<void>((resolve) => {
          stdout.once?.('drain', resolve);
          stop.addEventListener('abort', () => resolve(), { once: true });
        });
      }
    }
  } catch (error) {
    // A connection cut by Ctrl-C or by the cluster exiting ends the output; anything else is a bug.
    if (
      !response.destroyed &&
      !['ECONNRESET', 'ABORT_ERR'].includes(String((error as NodeJS.ErrnoException).code))
    )
      throw error;
  } finally {
    stop.removeEventListener('abort', close);
  }
}
