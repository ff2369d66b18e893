import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const RECEIVER = fileURLToPath(new URL('../primary/systemd/fixtures/notify-receiver.py', import.meta.url));

/** A fake NOTIFY_SOCKET: every datagram sent to it, as a line. */
export class NotifySocket {
  readonly dir = mkdtempSync(join(tmpdir(), 'orchestrator-notify-'));
  readonly path = join(this.dir, 'notify.sock');
  readonly messages: string[] = [];
  readonly child: ChildProcess = spawn('python3', [RECEIVER, this.path], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  readonly #listening: Promise<void>;

  constructor() {
    const lines = createInterface({ input: this.child.stdout as NodeJS.ReadableStream });
    this.#listening = new Promise((resolve, reject) => {
      lines.on('line', (line) => (line === 'listening' ? resolve() : this.messages.push(line)));
      this.child.once('exit', (code) => reject(new Error(`notify receiver exited (${code})`)));
    });
  }

  listening(): Promise<void> {
    return this.#listening;
  }

  async waitFor(match: (message: string) => boolean, timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find(match);
      if (found !== undefined) return found;
      if (Date.now() > deadline)
        throw new Error(`no such notify message; got ${JSON.stringify(this.messages)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGKILL');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
