import { emitKeypressEvents, type Key } from 'node:readline';

export interface Terminal {
  readonly size: () => { columns: number; lines: number };
  /** Replaces the whole screen with these lines (each already cut to the width). */
  draw(lines: readonly string[]): void;
  /** Leaves the alternate screen, shows the cursor, gives the keyboard back. Safe to call twice. */
  restore(): void;
}

const ENTER = '\u001b[?1049h\u001b[?25l\u001b[2J';
const LEAVE = '\u001b[?25h\u001b[?1049l';

/**
 * The terminal as `top` uses it: the alternate screen (so the shell's screen comes back untouched on exit),
 * no cursor, keys one by one without echo, a redraw on every resize. The terminal is put back on every way
 * out: `restore()`, process exit (an uncaught exception's too), SIGINT/SIGTERM/SIGHUP (which call `onQuit`).
 */
export function openTerminal(
  stdin: NodeJS.ReadStream,
  stdout: NodeJS.WriteStream,
  events: { onKey: (text: string | undefined, key: Key) => void; onResize: () => void; onQuit: () => void },
): Terminal {
  let restored = false;
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const onSignal = (): void => events.onQuit();
  const onKeypress = (text: string | undefined, key: Key): void => events.onKey(text, key);
  const restore = (): void => {
    if (restored) return;
    restored = true;
    stdout.off('resize', events.onResize);
    stdin.off('keypress', onKeypress);
    for (const signal of signals) process.off(signal, onSignal);
    process.off('exit', restore);
    if (stdin.isTTY) stdin.setRawMode(false);
    stdin.pause();
    // Synchronous on a terminal: the screen is back even if the process exits right after.
    stdout.write(LEAVE);
  };

  stdout.write(ENTER);
  if (stdin.isTTY) stdin.setRawMode(true);
  emitKeypressEvents(stdin);
  stdin.on('keypress', onKeypress);
  stdin.resume();
  stdout.on('resize', events.onResize);
  for (const signal of signals) process.on(signal, onSignal);
  // Also runs on an uncaught exception's way out.
  process.on('exit', restore);

  return {
    size: () => ({ columns: stdout.columns || 80, lines: stdout.rows || 24 }),
    draw(lines) {
      if (restored) return;
      // Each line addressed by its row: no reliance on how the terminal maps newlines in raw mode.
      let text = '';
      lines.forEach((line, row) => {
        text += `\u001b[${row + 1};1H${line}`;
      });
      stdout.write(text);
    },
    restore,
  };
}
