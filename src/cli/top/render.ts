import type { StatusJson } from '../../primary/status.ts';
import { formatRows, type Row } from './model.ts';

export interface TopView {
  readonly status: StatusJson | null;
  readonly rows: readonly Row[];
  /** Index into `rows`. */
  readonly selected: number;
  /** One line of feedback (an action's result, an error), or ''. */
  readonly message: string;
  /** The selected worker's last log lines, when `l` opened them. */
  readonly logs: { readonly title: string; readonly lines: readonly string[] } | null;
  readonly clock: string;
}

export const KEYS_HELP = '↑/↓ select  r reload group  +/- scale group  k kill worker  l logs  q quit';

const INVERSE = (text: string): string => `\u001b[7m${text}\u001b[27m`;
const BOLD = (text: string): string => `\u001b[1m${text}\u001b[22m`;
const RED = (text: string): string => `\u001b[31m${text}\u001b[39m`;

/**
 * The whole screen for a terminal of `columns` x `lines`: exactly `lines` lines, none wider than `columns`
 * characters (cut before styling, so escape codes never count), so a resize redraws cleanly.
 */
export function renderScreen(view: TopView, size: { columns: number; lines: number }): string[] {
  const width = Math.max(1, size.columns);
  const fitWidth = (text: string): string => {
    const chars = [...text];
    return chars.length <= width
      ? text.padEnd(width - (chars.length - text.length))
      : chars.slice(0, width).join('');
  };
  const header =
    view.status === null
      ? 'orchestrator top: waiting for the cluster...'
      : `orchestrator top: cluster pid ${view.status.pid}, config generation ${view.status.config.generation}  ${view.clock}`;
  const out: string[] = [BOLD(fitWidth(header))];
  const footer = [fitWidth(view.message), INVERSE(fitWidth(KEYS_HELP))];
  const room = Math.max(0, size.lines - out.length - footer.length);

  if (view.logs !== null) {
    out.push(BOLD(fitWidth(`${view.logs.title} (l or Esc: back)`)));
    const shown = view.logs.lines.slice(Math.max(0, view.logs.lines.length - (room - 1)));
    for (const line of shown) out.push(fitWidth(line));
  } else {
    const [head = '', ...body] = formatRows(view.rows);
    out.push(BOLD(fitWidth(head)));
    // Keep the selected row on screen when the table is taller than the terminal.
    const visible = Math.max(0, room - 1);
    const first = Math.min(Math.max(0, view.selected - visible + 1), Math.max(0, body.length - visible));
    for (let i = first; i < Math.min(body.length, first + visible); i++) {
      const line = fitWidth(body[i] ?? '');
      const row = view.rows[i];
      out.push(i === view.selected ? INVERSE(line) : row?.alert ? RED(line) : line);
    }
  }
  while (out.length < size.lines - footer.length) out.push(fitWidth(''));
  return [...out.slice(0, Math.max(0, size.lines - footer.length)), ...footer].slice(0, size.lines);
}
