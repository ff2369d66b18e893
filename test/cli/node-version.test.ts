import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { MINIMUM_NODE, nodeVersionProblem } from '../../src/cli/node-version.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// The published bin, as a user's Node runs it (`npm test` builds before the tests run).
const BIN = join(ROOT, 'dist', 'cli', 'main.js');

function run(
  node: string,
  args: readonly string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(node, args, { cwd: ROOT, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({
        code: error === null ? 0 : typeof error.code === 'number' ? error.code : null,
        stdout,
        stderr,
      });
    });
  });
}

/** A Node on PATH older than the minimum (the system Node of CI machines is v20), if there is one. */
function oldSystemNode(): { path: string; version: string } | undefined {
  for (const folder of (process.env.PATH ?? '').split(delimiter)) {
    if (folder.includes('node_modules')) continue;
    const candidate = join(folder, 'node');
    if (!existsSync(candidate)) continue;
    try {
      const version = execFileSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
      if (nodeVersionProblem(version, candidate) !== null) return { path: candidate, version };
    } catch {
      // Not runnable: try the next one.
    }
  }
  return undefined;
}

describe('the Node version check', () => {
  it('matches engines.node in package.json', () => {
    const engines = (
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }
    ).engines.node;
    expect(engines).to.equal(`>=${MINIMUM_NODE.replace(/\.0$/, '')}`);
  });

  it('accepts 22.18 and later, refuses anything older with what is needed, what runs and how to get it', () => {
    for (const fine of ['22.18.0', '22.19.1', '23.0.0', '24.21.0', '30.1.2']) {
      expect(nodeVersionProblem(fine, '/usr/bin/node'), fine).to.equal(null);
    }
    for (const old of ['22.17.9', '22.6.0', '20.20.2', '18.0.0', '8.9.4']) {
      const line = nodeVersionProblem(old, '/usr/bin/node');
      expect(line, old).to.equal(
        `orchestrator: needs Node.js >= 22.18, but this is Node.js v${old} (/usr/bin/node); ` +
          'install Node.js 24 LTS (https://nodejs.org/en/download, or `nvm install 24`) and run it again',
      );
    }
  });

  it('the built bin prints that one line and exits 1 under an old Node, for every command', async function () {
    this.timeout(60_000);
    const old = oldSystemNode();
    if (old !== undefined) {
      // A real old Node: the entry must parse and run on it.
      for (const args of [['validate'], ['up'], ['--help']]) {
        const result = await run(old.path, [BIN, ...args]);
        expect(result.code, args.join(' ')).to.equal(1);
        expect(result.stdout).to.equal('');
        expect(result.stderr).to.equal(`${nodeVersionProblem(old.version, old.path)}\n`);
      }
    }
    // Always also under this Node made to report an old version (so the check runs without an old Node too).
    const shim = join(tmpdir(), `orchestrator-old-node-${process.pid}.mjs`);
    writeFileSync(shim, "Object.defineProperty(process.versions, 'node', { value: '20.11.1' });\n");
    const result = await run(process.execPath, ['--import', shim, BIN, 'validate']).finally(() =>
      rmSync(shim, { force: true }),
    );
    expect(result.code).to.equal(1);
    expect(result.stdout).to.equal('');
    expect(result.stderr).to.equal(`${nodeVersionProblem('20.11.1', process.execPath)}\n`);
  });
});
