import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';

/**
 * A private tmux server (its own socket, `-L`), for testing a full-screen program in a real pseudo-terminal:
 * keys go in with `send-keys`, the screen comes out with `capture-pane`. `kill()` ends the server and with
 * it everything running in its panes (they get SIGHUP).
 */
export class Tmux {
  readonly socket = `orchestrator-test-${randomUUID()}`;

  run(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8', timeout: 10_000 });
  }

  /** Starts `command` (a shell line) in a detached session of `columns` x `lines`, with `env` added. */
  start(
    command: string,
    size: { columns: number; lines: number },
    env: Record<string, string>,
    cwd: string,
  ): void {
    const vars = Object.entries(env).flatMap(([key, value]) => ['-e', `${key}=${value}`]);
    this.run(
      'new-session',
      '-d',
      '-x',
      String(size.columns),
      '-y',
      String(size.lines),
      '-c',
      cwd,
      ...vars,
      command,
    );
  }

  /** The visible screen, one string per line, without escape codes. */
  screen(): string[] {
    return this.run('capture-pane', '-p').split('\n');
  }

  keys(...keys: string[]): void {
    this.run('send-keys', ...keys);
  }

  /** A tmux format about the pane, e.g. `#{alternate_on}`. */
  display(format: string): string {
    return this.run('display-message', '-p', format).trim();
  }

  resize(columns: number, lines: number): void {
    this.run('resize-window', '-x', String(columns), '-y', String(lines));
  }

  kill(): void {
    try {
      this.run('kill-server');
    } catch {
      // Already gone: its last pane exited.
    }
  }
}
