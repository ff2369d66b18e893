import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import type { StatusJson } from '../../src/primary/status.ts';
import { orchestrator } from '../helpers/cli.ts';
import { app } from '../helpers/cluster-dir.ts';
import { useCluster } from '../helpers/cluster-fixture.ts';
import { freePort } from '../helpers/free-port.ts';
import { eventually } from '../helpers/load.ts';
import { killTagged, TEST_TAG_VAR, waitUntilGone } from '../helpers/tagged-processes.ts';
import { Tmux } from '../helpers/tmux.ts';
import { CLI } from '../helpers/up-process.ts';

describe('orchestrator top', function () {
  this.timeout(120_000);
  const cluster = useCluster();

  async function started() {
    const port = await freePort();
    const up = cluster.start({
      groups: { web: { entry: app('talker.ts'), count: 2, env: { PORT: String(port) } } },
    });
    await up.waitForMessage('cluster ready');
    const status = async (): Promise<StatusJson> =>
      JSON.parse(
        (await orchestrator(['status', '--json', '-c', cluster.dir.configFile], cluster.dir.path)).stdout,
      ) as StatusJson;
    return { up, status };
  }

  it('runs in a real terminal: live rows, keys that reload, scale, kill and show logs, clean resize and exit', async () => {
    const { status } = await started();
    const tmux = new Tmux();
    const tag = randomUUID();
    const top = `'${process.execPath}' '${CLI}' top -c '${cluster.dir.configFile}'`;
    // Two runs in a row: the first is quit with q, the second with Ctrl-C; the shell then writes how each ended
    // to a file (on the screen, the second run's alternate screen could cover the first line before it is seen).
    const exits = join(cluster.dir.path, 'top-exits.log');
    const line = `${top}; echo "top exited $?" >> '${exits}'; ${top}; echo "top exited again $?" >> '${exits}'; sleep 300`;
    tmux.start(
      `sh -c '${line.replaceAll("'", "'\\''")}'`,
      { columns: 110, lines: 24 },
      { [TEST_TAG_VAR]: tag },
      cluster.dir.path,
    );
    const text = () => tmux.screen().join('\n');
    const waitScreen = (pattern: RegExp, what: string) =>
      eventually(async () => expect(text(), what).to.match(pattern), 20_000, 100);
    try {
      await waitScreen(
        /^ web\.1\s+ready\s+0\s+\d+\s+\d+s\s+\d+\.\d\s+\d+\.\d MB\s+\d+\.\d ms/m,
        'worker rows with CPU %',
      );
      expect(tmux.display('#{alternate_on}')).to.equal('1');
      expect(text()).to.match(/^web\s+running\s+2\/2\s+0/m);

      // k on the first worker: it is replaced by a new process in the same slot.
      const before = (await status()).groups[0]?.workers.find((w) => w.index === 0)?.pid;
      tmux.keys('Down');
      tmux.keys('k');
      await waitScreen(/stopping web\.0 \(pid \d+\): the group replaces it/, 'kill message');
      await eventually(
        async () => {
          const web0 = (await status()).groups[0]?.workers.find((w) => w.index === 0);
          expect(web0?.state).to.equal('ready');
          expect(web0?.pid).to.not.equal(before);
        },
        30_000,
        200,
      );

      // l: the selected worker's last lines; Esc: back to the table.
      tmux.keys('l');
      await waitScreen(/last lines of web\.0[\s\S]*web\.0 \| booted slot 0/, 'log lines');
      tmux.keys('Escape');
      await waitScreen(/^NAME\s+STATE/m, 'the table again');

      // + and - on the group row; r reloads it.
      tmux.keys('Up');
      tmux.keys('+');
      await eventually(
        async () => expect((await status()).groups[0]).to.include({ desired: 3, ready: 3 }),
        30_000,
        200,
      );
      await waitScreen(/^web\s+running\s+3\/3/m, 'scaled up');
      tmux.keys('-');
      await eventually(async () => expect((await status()).groups[0]?.desired).to.equal(2), 30_000, 200);
      tmux.keys('r');
      await waitScreen(/web: every worker replaced|reloading/, 'reload progress');
      await eventually(
        async () => expect((await status()).groups[0]?.lastReload?.outcome).to.equal('finished'),
        60_000,
        200,
      );

      // A smaller terminal: every line fits, the key help is still the last line.
      tmux.resize(60, 12);
      await eventually(
        async () => {
          const lines = tmux.screen();
          expect(lines.every((l) => [...l].length <= 60)).to.equal(true);
          expect(lines.filter((l) => l !== '').at(-1)).to.match(/^↑\/↓ select/);
          expect(lines[0]).to.match(/^orchestrator top: cluster pid/);
        },
        20_000,
        100,
      );

      const exited = (pattern: RegExp, what: string) =>
        eventually(
          async () => expect(existsSync(exits) ? readFileSync(exits, 'utf8') : '', what).to.match(pattern),
          20_000,
          100,
        );
      tmux.keys('q');
      await exited(/^top exited 0$/m, 'exit after q');
      // The second run: Ctrl-C leaves just as cleanly.
      await waitScreen(/^ web\.1\s+ready/m, 'second run');
      tmux.keys('C-c');
      await exited(/^top exited again 0$/m, 'exit after Ctrl-C');
      expect(tmux.display('#{alternate_on}')).to.equal('0');
      expect(tmux.display('#{cursor_flag}')).to.equal('1');
    } finally {
      tmux.kill();
      const left = await waitUntilGone(tag, 5000);
      killTagged(tag);
      expect(left, 'processes of the tmux session left behind').to.deep.equal([]);
    }
  });

  it('prints a plain table when stdout is not a terminal, and exits 3 when nothing runs', async () => {
    await started();
    const plain = await orchestrator(['top', '-c', cluster.dir.configFile], cluster.dir.path);
    expect(plain.code, plain.stderr).to.equal(0);
    expect(plain.stdout).to.match(/^NAME\s+STATE\s+READY\s+RESTARTS\s+PID\s+UPTIME\s+CPU%\s+MEMORY\s+LOOP$/m);
    expect(plain.stdout).to.match(/^ web\.0\s+ready\s+0\s+\d+\s+\d+s\s+\d+\.\d\s+\d+\.\d MB\s+\d+\.\d ms$/m);
    expect(plain.stdout).to.not.include('\u001b[');
    const none = await orchestrator(['top', '-c', `${cluster.dir.path}/none.json`], cluster.dir.path);
    expect(none.code).to.equal(3);
  });
});
