import { StringDecoder } from 'node:string_decoder';

/**
 * Turns the byte chunks of a worker's stdout or stderr into whole lines.
 *
 * A chunk boundary can fall anywhere: inside a line, between `\r` and `\n`, or inside a multibyte UTF-8
 * character. The StringDecoder holds back an incomplete character until its last byte arrives and turns
 * bytes that can never be valid UTF-8 into U+FFFD, so no character is torn in two.
 *
 *   push(<"a\r">)     -> []          ("a\r" is pending)
 *   push(<"\nb" 0xE2>) -> ["a"]      (0xE2 starts a 3-byte character: held back)
 *   push(<0x82 0xAC>) -> []          ("b€" is pending)
 *   end()             -> ["b€"]     (a final line without a newline still counts)
 *
 * Only `\n` ends a line (a lone `\r`, as progress bars print, stays inside it), and one `\r` right before the
 * `\n` is dropped. A line longer than `maxLineLength` characters is emitted in pieces of that length, so a
 * worker that never prints a newline cannot make the primary buffer without bound.
 */
export interface LineSplitter {
  /** The lines this chunk completes, in order (often none, often many). */
  push(chunk: Buffer | string): string[];
  /** The last line, if the stream ended without a newline. Call once, when the stream has ended. */
  end(): string[];
}

export const DEFAULT_MAX_LINE_LENGTH = 1024 * 1024;

const LF = '\n';
const CR = 13;

export function createLineSplitter(maxLineLength: number = DEFAULT_MAX_LINE_LENGTH): LineSplitter {
  if (!Number.isInteger(maxLineLength) || maxLineLength < 1) {
    throw new RangeError(`maxLineLength must be a positive integer, got ${maxLineLength}`);
  }
  const decoder = new StringDecoder('utf8');
  // The start of a line whose end has not arrived yet. Appending to it builds a rope in V8, and only the new
  // text is searched for a newline, so a long line arriving in many chunks costs O(length), not O(length^2).
  let pending = '';

  function split(text: string): string[] {
    const lines: string[] = [];
    let start = 0;
    let newline = text.indexOf(LF);
    while (newline !== -1) {
      let line = pending === '' ? text.slice(start, newline) : pending + text.slice(start, newline);
      pending = '';
      if (line.charCodeAt(line.length - 1) === CR) line = line.slice(0, -1);
      while (line.length > maxLineLength) {
        const cut = pieceEnd(line, maxLineLength);
        lines.push(line.slice(0, cut));
        line = line.slice(cut);
      }
      lines.push(line);
      start = newline + 1;
      newline = text.indexOf(LF, start);
    }
    if (start < text.length) {
      pending += start === 0 ? text : text.slice(start);
      // A trailing "\r" may be the first half of a "\r\n": it does not count towards the limit, or a line of
      // exactly maxLineLength characters ending in "\r\n" split across chunks would gain an empty piece.
      // (Read from `text`, not `pending`: indexing into a rope would flatten it on every chunk.)
      const limit = maxLineLength + (text.charCodeAt(text.length - 1) === CR ? 1 : 0);
      while (pending.length > limit) {
        const cut = pieceEnd(pending, maxLineLength);
        lines.push(pending.slice(0, cut));
        pending = pending.slice(cut);
      }
    }
    return lines;
  }

  return {
    push(chunk) {
      return split(typeof chunk === 'string' ? chunk : decoder.write(chunk));
    },
    end() {
      const lines = split(decoder.end());
      if (pending !== '') {
        lines.push(pending);
        pending = '';
      }
      return lines;
    },
  };
}

/** Where to cut an over-long line: at `max`, or one earlier so a surrogate pair is never cut in two. */
function pieceEnd(line: string, max: number): number {
  const last = line.charCodeAt(max - 1);
  return last >= 0xd800 && last <= 0xdbff && max > 1 ? max - 1 : max;
}
