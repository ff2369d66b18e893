/** Where a command reads and writes: the real process in the bin, buffers in tests. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  cwd: string;
}

/** A command's entry point: its own arguments (after the command name) in, exit code out. */
export type CommandRun = (argv: string[], io: CliIo) => Promise<number>;

export interface Command {
  /** One line for `orchestrator --help`. */
  summary: string;
  run: CommandRun;
}

/** Exit codes shared by every command (the contract's table). */
export const EXIT = { ok: 0, failed: 1, usage: 2, notRunning: 3 } as const;
