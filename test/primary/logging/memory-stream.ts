import { Writable } from 'node:stream';

/** A stream that keeps everything written to it, optionally pretending to be a terminal. */
export class MemoryStream extends Writable {
  readonly isTTY: boolean;
  #text = '';

  constructor(options: { isTTY?: boolean } = {}) {
    super({ decodeStrings: false });
    this.isTTY = options.isTTY ?? false;
  }

  override _write(
    chunk: string | Buffer,
    _encoding: BufferEncoding,
    callback: (error?: Error) => void,
  ): void {
    this.#text += chunk.toString();
    callback();
  }

  get text(): string {
    return this.#text;
  }

  /** Every complete line written so far. */
  lines(): string[] {
    const lines = this.#text.split('\n');
    lines.pop();
    return lines;
  }
}
