import { expect } from 'chai';
import fc from 'fast-check';
import { createLineSplitter, type LineSplitter } from '../../../src/primary/logging/line-splitter.ts';

/** Feeds every chunk, then ends the stream, and returns all lines in the order they came out. */
function feed(splitter: LineSplitter, chunks: readonly (Buffer | string)[]): string[] {
  const lines: string[] = [];
  for (const chunk of chunks) lines.push(...splitter.push(chunk));
  lines.push(...splitter.end());
  return lines;
}

/** Cuts `bytes` at each of `cuts` (sorted, deduplicated offsets inside it). */
function cutAt(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const offsets = [...new Set(cuts)].filter((at) => at > 0 && at < bytes.length).sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let start = 0;
  for (const at of offsets) {
    pieces.push(bytes.subarray(start, at));
    start = at;
  }
  pieces.push(bytes.subarray(start));
  return pieces;
}

describe('line splitter', () => {
  it('returns the complete lines of a chunk and holds back the unfinished one', () => {
    const splitter = createLineSplitter();
    expect(splitter.push(Buffer.from('one\ntwo\nthr'))).to.deep.equal(['one', 'two']);
    expect(splitter.push(Buffer.from('ee\n'))).to.deep.equal(['three']);
    expect(splitter.end()).to.deep.equal([]);
  });

  it('keeps empty lines', () => {
    expect(feed(createLineSplitter(), [Buffer.from('a\n\n\nb\n')])).to.deep.equal(['a', '', '', 'b']);
  });

  it('drops the \\r of a \\r\\n, even when a chunk ends between the two', () => {
    expect(feed(createLineSplitter(), [Buffer.from('dos\r\nline\r'), Buffer.from('\nnext')])).to.deep.equal([
      'dos',
      'line',
      'next',
    ]);
  });

  it('keeps a lone \\r inside a line, as progress bars print it', () => {
    expect(feed(createLineSplitter(), [Buffer.from('10%\r50%\r100%\n')])).to.deep.equal(['10%\r50%\r100%']);
  });

  it('emits a final line that has no newline when the stream ends', () => {
    const splitter = createLineSplitter();
    expect(splitter.push(Buffer.from('first\nlast words'))).to.deep.equal(['first']);
    expect(splitter.end()).to.deep.equal(['last words']);
  });

  it('emits nothing at the end of a stream that ended with a newline or was empty', () => {
    expect(feed(createLineSplitter(), [Buffer.from('x\n')])).to.deep.equal(['x']);
    expect(feed(createLineSplitter(), [])).to.deep.equal([]);
  });

  it('reassembles a multibyte character cut at any byte', () => {
    const text = 'é € 𝄞 done\n';
    const bytes = Buffer.from(text);
    for (let at = 1; at < bytes.length; at++) {
      expect(feed(createLineSplitter(), cutAt(bytes, [at])), `cut at byte ${at}`).to.deep.equal([
        'é € 𝄞 done',
      ]);
    }
  });

  it('reassembles a character fed one byte at a time', () => {
    const bytes = Buffer.from('日本語\n');
    const oneByteChunks = [...bytes].map((byte) => Buffer.from([byte]));
    expect(feed(createLineSplitter(), oneByteChunks)).to.deep.equal(['日本語']);
  });

  it('turns invalid UTF-8 into U+FFFD without swallowing the newline or the next line', () => {
    const invalid = Buffer.from([0x61, 0xff, 0x62, 0x0a, 0xe2, 0x82, 0x0a, 0x63, 0x0a]);
    expect(feed(createLineSplitter(), [invalid])).to.deep.equal(['a\ufffdb', '\ufffd', 'c']);
  });

  it('turns a character cut short by the end of the stream into U+FFFD', () => {
    expect(feed(createLineSplitter(), [Buffer.from([0x6f, 0x6b, 0xf0, 0x9d])])).to.deep.equal(['ok\ufffd']);
  });

  it('accepts string chunks from a stream that has an encoding set', () => {
    expect(feed(createLineSplitter(), ['a', 'b\nc', '\n'])).to.deep.equal(['ab', 'c']);
  });

  it('keeps a long line whole when it arrives in many pipe-sized chunks', () => {
    const long = 'ä'.repeat(300_000);
    const bytes = Buffer.from(`${long}\nafter\n`);
    const cuts = Array.from({ length: Math.ceil(bytes.length / 65_536) }, (_, i) => (i + 1) * 65_535);
    const lines = feed(createLineSplitter(), cutAt(bytes, cuts));
    expect(lines).to.have.length(2);
    expect(lines[0] === long, 'the long line is intact').to.equal(true);
    expect(lines[1]).to.equal('after');
  });

  it('emits a line longer than the limit in pieces of the limit, losing nothing', () => {
    expect(feed(createLineSplitter(4), [Buffer.from('abcdefghij\nxy\n')])).to.deep.equal([
      'abcd',
      'efgh',
      'ij',
      'xy',
    ]);
  });

  it('emits pieces of an unfinished over-long line as soon as they are full', () => {
    const splitter = createLineSplitter(4);
    expect(splitter.push(Buffer.from('abcdef'))).to.deep.equal(['abcd']);
    expect(splitter.push(Buffer.from('ghij'))).to.deep.equal(['efgh']);
    expect(splitter.end()).to.deep.equal(['ij']);
  });

  it('never cuts a surrogate pair in two when cutting an over-long line', () => {
    const pieces = feed(createLineSplitter(3), [Buffer.from('ab𝄞cd\n')]);
    expect(pieces.join('')).to.equal('ab𝄞cd');
    // A piece holding half a pair would not survive a round trip through UTF-8.
    for (const piece of pieces) expect(Buffer.from(piece).toString(), piece).to.equal(piece);
  });

  it('does not count the \\r of a \\r\\n cut between chunks towards the limit', () => {
    expect(feed(createLineSplitter(4), [Buffer.from('abcd\r'), Buffer.from('\n')])).to.deep.equal(['abcd']);
  });

  it('rejects a limit that is not a positive integer', () => {
    expect(() => createLineSplitter(0)).to.throw(RangeError);
    expect(() => createLineSplitter(1.5)).to.throw(RangeError);
  });

  it('yields exactly the written lines, in order, however the bytes are chunked', () => {
    // Lines without "\n" and without a trailing "\r" (which a "\r\n" ending would legitimately drop).
    const line = fc
      .string({ unit: 'grapheme', maxLength: 40 })
      .map((s) => s.replaceAll('\n', ' ').replace(/\r$/, ''));
    fc.assert(
      fc.property(
        fc.array(line, { minLength: 1, maxLength: 30 }),
        fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }),
        fc.boolean(),
        fc.array(fc.nat(2000), { maxLength: 20 }),
        (lines, crlf, finalNewline, cuts) => {
          let text = '';
          lines.forEach((l, i) => {
            const last = i === lines.length - 1;
            text += l + (last && !finalNewline ? '' : crlf[i] ? '\r\n' : '\n');
          });
          // Without a final newline an empty last line writes nothing, so there is nothing to read back.
          const expected = !finalNewline && lines.at(-1) === '' ? lines.slice(0, -1) : lines;
          expect(feed(createLineSplitter(), cutAt(Buffer.from(text), cuts))).to.deep.equal(expected);
        },
      ),
      { numRuns: 500 },
    );
  });
});
