import { execFile } from 'node:child_process';
import { CLI } from '../helpers/up-process.ts';

export interface StatusJson {
  readonly pid: number;
  readonly config: { readonly generation: number; readonly error: string | null };
  readonly groups: ReadonlyArray<{
    readonly name: string;
    readonly state: string;
    readonly desired: number;
    readonly workers: ReadonlyArray<{ readonly pid: number | null; readonly state: string }>;
  }>;
}

/** `orchestrator status --json -c FILE`, as an operator runs it; rejects on a non-zero exit or after `timeoutMs`. */
export function statusJson(configFile: string, cwd: string, timeoutMs = 5000): Promise<StatusJson> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [CLI, 'status', '--json', '-c', configFile],
      { cwd, timeout: timeoutMs },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`orchestrator status: ${error.message}\n${stderr}`));
        else resolve(JSON.parse(stdout) as StatusJson);
      },
    );
  });
}
