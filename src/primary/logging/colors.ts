/**
 * ANSI colors for pretty output: just the few SGR codes the prefixes and level labels use.
 */

export type Paint = (text: string) => string;

const sgr =
  (open: number, close: number): Paint =>
  (text) =>
    `\u001b[${open}m${text}\u001b[${close}m`;

export const paint = {
  red: sgr(31, 39),
  green: sgr(32, 39),
  yellow: sgr(33, 39),
  blue: sgr(34, 39),
  magenta: sgr(35, 39),
  cyan: sgr(36, 39),
  gray: sgr(90, 39),
  brightRed: sgr(91, 39),
  brightGreen: sgr(92, 39),
  brightYellow: sgr(93, 39),
  brightBlue: sgr(94, 39),
  brightMagenta: sgr(95, 39),
  brightCyan: sgr(96, 39),
  dim: sgr(2, 22),
  redBackground: sgr(41, 49),
} as const satisfies Record<string, Paint>;

/**
 * Colors a group's prefix can take. Red is left out (it means error in the level labels) and so is gray
 * (it reads as disabled).
 */
const GROUP_PALETTE: readonly Paint[] = [
  paint.cyan,
  paint.yellow,
  paint.green,
  paint.magenta,
  paint.blue,
  paint.brightCyan,
  paint.brightYellow,
  paint.brightGreen,
  paint.brightMagenta,
  paint.brightBlue,
];

/**
 * A group's color, chosen by a hash of its name: the same group has the same color in every run and on
 * every machine, whatever the order in which groups start. Two groups can share a color (10 colors); their
 * names still tell them apart.
 */
export function groupColor(group: string): Paint {
  return GROUP_PALETTE[fnv1a(group) % GROUP_PALETTE.length] as Paint;
}

/** 32-bit FNV-1a over UTF-16 code units: tiny, and spreads short similar names ("web", "web2") apart. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * Whether to write ANSI colors to `stream`. NO_COLOR (any non-empty value, https://no-color.org) turns
 * them off; FORCE_COLOR (any value but "0" or "false") turns them on, e.g. for `orchestrator up | less -R`;
 * otherwise only a terminal that is not `TERM=dumb` gets colors.
 */
export function colorsEnabled(stream: { readonly isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false';
  return stream.isTTY === true && env.TERM !== 'dumb';
}
