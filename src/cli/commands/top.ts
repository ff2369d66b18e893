import type { Key } from 'node:readline';
import type { StatusJson } from '../../primary/status.ts';
import { parseCommandArgs } from '../args.ts';
import {
  CONTROL_HELP,
  CONTROL_OPTIONS,
  call,
  errorOf,
  NotRunning,
  open,
  socketFor,
  stream,
  withCluster,
} from '../control-client.ts';
import { type CliIo, EXIT } from '../io.ts';
import { buildRows, formatRows, type Row, type Sample } from '../top/model.ts';
import { renderScreen, type TopView } from '../top/render.ts';
import { openTerminal, type Terminal } from '../top/terminal.ts';

const HELP = `Usage: orchestrator top [-c FILE] [--socket PATH]

A live view of the running cluster, refreshed every second: each group's state (with a reload's
progress), ready/desired and restarts; each worker's pid, state, uptime, CPU %, memory and event-loop
delay. When stdout is not a terminal, prints the table once (CPU % over one second) and exits.

Keys:
  ↑/↓         select a group or a worker
  r           reload the selected group
  + / -       scale the selected group up or down by one
  k           kill the selected worker (SIGTERM, SIGKILL after 5 s): the group replaces it
  l           the selected worker's (or group's) last log lines; l or Esc again to go back
  q, Ctrl-C   quit

Options:
${CONTROL_HELP}

Exit status: 0, 3 when no cluster runs for this config, 2 usage error.
`;

const REFRESH_MS = 1000;
const KILL_GRACE_MS = 5000;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseCommandArgs('top', argv, CONTROL_OPTIONS, HELP, io);
  if (!args.ok) return args.exitCode;
  return withCluster('top', io, async () => {
    const socket = socketFor(args.values, io.cwd);
    const first = await sample(socket);
    const stdout = io.stdout as Partial<NodeJS.WriteStream>;
    if (stdout.isTTY !== true || !process.stdin.isTTY) {
      await new Promise((resolve) => setTimeout(resolve, REFRESH_MS));
      const second = await sample(socket);
      const rows = buildRows(second, first, Date.now());
      io.stdout.write(
        `cluster pid ${second.status.pid}, config generation ${second.status.config.generation}\n`,
      );
      io.stdout.write(`${formatRows(rows).join('\n')}\n`);
      return EXIT.ok;
    }
    await runInteractive(socket, first, process.stdin, stdout as NodeJS.WriteStream);
    return EXIT.ok;
  });
}

async function sample(socket: string): Promise<Sample> {
  const reply = await call(socket, 'GET', '/status');
  if (reply.status !== 200) throw new Error(errorOf(reply));
  return { at: Date.now(), status: reply.body as StatusJson };
}

/** The interactive screen: polls `/status` every second and acts on keys until `q`, Ctrl-C or a signal. */
function runInteractive(
  socket: string,
  first: Sample,
  stdin: NodeJS.ReadStream,
  stdout: NodeJS.WriteStream,
): Promise<void> {
  let previous: Sample | null = null;
  let current: Sample | null = first;
  let rows: Row[] = buildRows(first, null, Date.now());
  let selected = 0;
  let message = '';
  let logs: { title: string; select: string; lines: string[] } | null = null;
  let timer: NodeJS.Timeout | undefined;
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });

  const view = (): TopView => ({
    status: current?.status ?? null,
    rows,
    selected,
    message,
    logs: logs === null ? null : { title: logs.title, lines: logs.lines },
    clock: new Date().toLocaleTimeString(),
  });
  const draw = (): void => terminal.draw(renderScreen(view(), terminal.size()));
  const say = (text: string): void => {
    message = text;
    draw();
  };
  let quitting = false;
  const quit = (): void => {
    quitting = true;
    clearTimeout(timer);
    terminal.restore();
    finish();
  };

  const refresh = async (): Promise<void> => {
    try {
      const next = await sample(socket);
      previous = current;
      current = next;
      rows = buildRows(next, previous, Date.now());
      selected = Math.min(selected, Math.max(0, rows.length - 1));
      if (logs !== null) logs.lines = await lastLines(socket, logs.select);
    } catch (error) {
      message =
        error instanceof NotRunning
          ? 'the cluster is not answering (stopped?)'
          : String((error as Error).message);
    }
    // A quit while this sample was on its way must not be undone by a new timer (it would keep `top` alive).
    if (quitting) return;
    draw();
    timer = setTimeout(() => void refresh(), REFRESH_MS);
  };

  const selectedRow = (): Row | undefined => rows[selected];
  const desired = (group: string): number =>
    current?.status.groups.find((g) => g.name === group)?.desired ?? 0;

  const actions: Record<string, () => void | Promise<void>> = {
    r: async () => {
      const row = selectedRow();
      if (row === undefined) return;
      say(`reloading ${row.group}...`);
      const reply = await stream(socket, '/reload', { groups: [row.group] }, (line) => say(line.message));
      if (reply.status !== 200) say(`reload ${row.group}: ${errorOf(reply)}`);
    },
    '+': () => scale(1),
    '-': () => scale(-1),
    k: () => {
      const row = selectedRow();
      if (row?.kind !== 'worker' || row.pid === null) return say('select a worker to kill');
      const { pid } = row;
      if (!signal(pid, 'SIGTERM')) return say(`pid ${pid} is gone already`);
      say(`stopping ${row.group}.${row.index} (pid ${pid}): the group replaces it`);
      // A worker whose event loop is stuck never runs its SIGTERM handler.
      setTimeout(() => signal(pid, 'SIGKILL'), KILL_GRACE_MS).unref();
    },
    l: async () => {
      if (logs !== null) {
        logs = null;
        return draw();
      }
      const row = selectedRow();
      if (row === undefined) return;
      const select = row.kind === 'worker' ? `${row.group}.${row.index}` : row.group;
      logs = { title: `last lines of ${select}`, select, lines: await lastLines(socket, select) };
      draw();
    },
  };
  const scale = async (by: number): Promise<void> => {
    const row = selectedRow();
    if (row === undefined) return;
    const count = Math.max(0, desired(row.group) + by);
    const reply = await call(socket, 'POST', '/scale', { counts: { [row.group]: count } });
    say(reply.status === 200 ? `scaling ${row.group} to ${count}` : `scale ${row.group}: ${errorOf(reply)}`);
  };

  const onKey = (text: string | undefined, key: Key): void => {
    if ((key.ctrl && key.name === 'c') || text === 'q') {
      quit();
      return;
    }
    if (key.name === 'escape' && logs !== null) logs = null;
    else if (key.name === 'up') selected = Math.max(0, selected - 1);
    else if (key.name === 'down') selected = Math.min(rows.length - 1, selected + 1);
    else {
      const action = text === undefined ? undefined : actions[text];
      if (action === undefined) return;
      void Promise.resolve(action()).catch((error: unknown) => say(String((error as Error).message)));
      return;
    }
    draw();
  };

  const terminal: Terminal = openTerminal(stdin, stdout, { onKey, onResize: () => draw(), onQuit: quit });
  draw();
  timer = setTimeout(() => void refresh(), REFRESH_MS);
  return done;
}

function signal(pid: number, name: NodeJS.Signals): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch {
    return false;
  }
}

/** The last log lines of a group or slot, as `orchestrator logs` prints them on a terminal. */
async function lastLines(socket: string, select: string): Promise<string[]> {
  const { createLogRenderer } = await import('../logs/render.ts');
  const render = createLogRenderer(true, true);
  const response = await open(socket, 'GET', `/logs?select=${encodeURIComponent(select)}&lines=200`);
  let text = '';
  for await (const chunk of response) text += chunk;
  if (response.statusCode !== 200) return [`(${text.trim()})`];
  return text
    .split('\n')
    .filter((line) => line !== '')
    .flatMap((line) => render(JSON.parse(line)).replace(/\n$/, '').split('\n'));
}
