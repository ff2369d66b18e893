import { execFile } from 'node:child_process';
import { runCli } from '../../src/cli/dispatch.ts';
import type { CliIo } from '../../src/cli/io.ts';
import { CLI } from './up-process.ts';

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `orchestrator ARGS...` as a separate process under this Node, bounded in time; `env` adds variables. */
export function orchestrator(
  args: readonly string[],
  cwd: string,
  timeoutMs = 60_000,
  env: Record<string, string> = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd, timeout: timeoutMs, env: { ...process.env, NO_COLOR: '1', ...env } },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Runs `orchestrator ARGV` inside this process, capturing what it prints (fast; for commands that start nothing). */
export async function orchestratorInProcess(argv: string[], cwd: string): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    cwd,
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}
