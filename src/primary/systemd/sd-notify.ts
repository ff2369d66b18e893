import { spawn } from 'node:child_process';

export interface SdNotifier {
  /** Sends `KEY=VALUE` assignments (READY=1, STOPPING=1, STATUS=...); resolves true once systemd took them. */
  notify(fields: Readonly<Record<string, string>>): Promise<boolean>;
}

/**
 * sd_notify(3) for Node, or null when the process is not run by a service manager (no NOTIFY_SOCKET).
 *
 * Node cannot send a datagram on a unix socket (node:dgram is UDP only, node:net is stream only), and the npm
 * packages that can are native addons (a compiler at install time, for one message at start-up). So the
 * message goes through `systemd-notify`, which ships with systemd itself and so is there wherever
 * NOTIFY_SOCKET means something. Two consequences, both handled by the generated unit:
 * - the sender is a child process, so the unit needs `NotifyAccess=all` (systemd then accepts any process
 *   of the service's cgroup);
 * - systemd-notify (systemd >= 246) waits for a barrier until systemd has processed the message, so the
 *   child's exit cannot race the message (the old systemd-notify race).
 * Messages go out one at a time, in order (READY=1 is never overtaken by STOPPING=1).
 */
export function sdNotifier(
  env: NodeJS.ProcessEnv = process.env,
  warn: (message: string) => void = () => {},
  command = 'systemd-notify',
): SdNotifier | null {
  const socket = env.NOTIFY_SOCKET;
  if (socket === undefined || socket === '') return null;
  let chain = Promise.resolve(true);
  let warned = false;
  const send = (fields: Readonly<Record<string, string>>): Promise<boolean> =>
    new Promise((resolve) => {
      const args = Object.entries(fields).map(([key, value]) => `${key}=${value.replace(/\n/g, ' ')}`);
      const child = spawn(command, args, {
        env: { ...env, NOTIFY_SOCKET: socket },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
      });
      child.once('error', (error) => {
        if (!warned) warn(`cannot notify systemd: ${error.message} (is systemd-notify installed?)`);
        warned = true;
        resolve(false);
      });
      child.once('close', (code) => {
        if (code !== 0 && code !== null) warn(`systemd-notify failed (exit ${code}): ${stderr.trim()}`);
        if (code === 0) resolve(true);
        else if (code !== null) resolve(false);
      });
    });
  return {
    notify(fields) {
      chain = chain.then(() => send(fields));
      return chain;
    },
  };
}
