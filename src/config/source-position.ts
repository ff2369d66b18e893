/** A place in a source file, 1-based. */
export interface SourcePosition {
  file: string;
  line: number;
  column?: number;
}

/**
 * Node reports where a module failed to compile as a header in the error's stack (or on stderr for
 * `node --check`), followed by the source line and a caret line:
 *
 *   /app/cluster.config.ts:4
 *     b: ,
 *        ^
 *
 * gives { file: '/app/cluster.config.ts', line: 4, column: 6 }. The file may also be a `file://` URL.
 */
export function findSourcePosition(text: string): SourcePosition | null {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const match = /^(file:\/\/\S+|\/\S*|[A-Za-z]:\\\S*):(\d+)$/.exec(lines[i]?.trimEnd() ?? '');
    if (match === null) continue;
    const file = match[1]?.startsWith('file://')
      ? decodeURIComponent(new URL(match[1]).pathname)
      : (match[1] ?? '');
    const line = Number(match[2]);
    // The caret line follows one or two lines of source (TypeScript errors show the line before too).
    const caretLine = lines.slice(i + 1, i + 5).find((l) => /^\s*\^+\s*$/.test(l));
    return caretLine === undefined ? { file, line } : { file, line, column: caretLine.indexOf('^') + 1 };
  }
  return null;
}

/** 1-based line and column of a character offset (JSON.parse reports offsets). */
export function positionOfOffset(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}
