import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { freePort } from '../helpers/free-port.ts';
import { eventually, getText } from '../helpers/load.ts';
import { UpProcess } from '../helpers/up-process.ts';

/**
 * What a newcomer does, with what npm publishes: `npm pack` (of the `dist/` that `npm test` builds), then in
 * a fresh `npm init -y` project in a temp folder: install the tarball, `npx orchestrator init`, `validate`,
 * `up`, a request to the starter server, `down`. Dependencies come from npm's cache when it has them
 * (`--prefer-offline`), else from the registry.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PACKAGE = 'cluster-orchestrator';

// The children run under this Node (24): the temp projects have no `node` devDependency, and `npx` runs the
// bin with the first `node` on PATH. npm's own variables from an outer `npm test` (its project, its script)
// must not leak into the temp projects; its settings (cache, registry, certificates) may.
const ENV: NodeJS.ProcessEnv = {
  ...Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !/^npm_/i.test(key) || (/^npm_config_/i.test(key) && !/local_prefix/i.test(key)),
    ),
  ),
  PATH: [dirname(process.execPath), process.env.PATH ?? ''].join(delimiter),
  NO_COLOR: '1',
  npm_config_update_notifier: 'false',
};

/** npm's own scripts (`npm-cli.js`, `npx-cli.js`), found through the `npm` and `npx` on PATH. */
function npmScript(name: 'npm' | 'npx'): string {
  for (const folder of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(folder, name);
    if (existsSync(candidate)) return realpathSync(candidate);
  }
  throw new Error(`no ${name} on PATH`);
}
const NPM = npmScript('npm');
const NPX = npmScript('npx');

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(script: string, args: readonly string[], cwd: string, timeoutMs = 120_000): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [script, ...args],
      { cwd, env: ENV, timeout: timeoutMs },
      (error, stdout, stderr) =>
        resolve({
          code: error === null ? 0 : typeof error.code === 'number' ? error.code : null,
          stdout,
          stderr,
        }),
    );
  });
}

async function ok(script: string, args: readonly string[], cwd: string): Promise<Result> {
  const result = await run(script, args, cwd);
  if (result.code !== 0) {
    throw new Error(`${args.join(' ')} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}

const npm = (args: readonly string[], cwd: string) => ok(NPM, args, cwd);
const npx = (args: readonly string[], cwd: string) => run(NPX, args, cwd);
const install = (tarball: string, cwd: string) =>
  npm(['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], cwd);

describe('a newcomer, with the packed package in a fresh project', function () {
  // Installs and process starts on a busy 2-core machine: bounded generously, never assumed fast.
  this.timeout(240_000);
  let work: string;
  let tarball: string;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'orchestrator-newcomer-'));
    const packed = await npm(['pack', '--json', '--pack-destination', work], ROOT);
    tarball = join(work, (JSON.parse(packed.stdout) as Array<{ filename: string }>)[0]?.filename ?? '');
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  /** A new folder with `npm init -y`'s package.json (which says `"type": "commonjs"`), optionally retyped. */
  async function freshProject(name: string, type?: 'module'): Promise<string> {
    const dir = join(work, name);
    mkdirSync(dir);
    await npm(['init', '-y'], dir);
    if (type !== undefined) await npm(['pkg', 'set', `type=${type}`], dir);
    return dir;
  }

  for (const type of ['commonjs', 'module'] as const) {
    it(`installs, inits, validates, serves and stops in a "type": "${type}" project`, async () => {
      const app = await freshProject(`app-${type}`, type === 'module' ? 'module' : undefined);
      expect(JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')).type).to.equal(type);
      await install(tarball, app);

      const init = await npx(['orchestrator', 'init'], app);
      expect(init.stderr).to.equal('');
      expect(init.code).to.equal(0);
      expect(init.stdout).to.include('next: npx orchestrator validate, then npx orchestrator up\n');

      const validate = await npx(['orchestrator', 'validate'], app);
      expect(validate.stderr).to.equal('');
      expect(validate.stdout).to.equal(
        `${join(app, 'cluster.config.ts')}: valid; groups: web (count auto)\n`,
      );
      expect(validate.code).to.equal(0);

      // The user's one edit: a port of their own (a free one here).
      const port = await freePort();
      const config = join(app, 'cluster.config.ts');
      writeFileSync(config, readFileSync(config, 'utf8').replace("PORT: '3000'", `PORT: '${port}'`));

      // The app hooks the drain through the package's ES module build, while the primary preloads the
      // runtime's CommonJS build: both must share one set of hooks.
      const server = join(app, 'server.mjs');
      writeFileSync(
        server,
        `${readFileSync(server, 'utf8')}
import { onShutdown } from 'cluster-orchestrator/worker';
import { writeFileSync } from 'node:fs';
onShutdown(() => writeFileSync(new URL('./drained-' + process.pid, import.meta.url), ''));
`,
      );

      const up = new UpProcess(['orchestrator', 'up'], { cwd: app, cli: NPX });
      try {
        await up.waitForMessage('cluster ready', 60_000);
        const warnings = up.raw.filter((line) => /warning|ExperimentalWarning|MODULE_TYPELESS/i.test(line));
        expect(warnings).to.deep.equal([]);
        const body = await eventually(() => getText(`http://127.0.0.1:${port}/`), 10_000);
        expect(body).to.match(/^hello from worker \d+\n$/);

        const status = await npx(['orchestrator', 'status', '--json'], app);
        const pids = (
          JSON.parse(status.stdout) as { groups: Array<{ workers: Array<{ pid: number }> }> }
        ).groups
          .flatMap((group) => group.workers)
          .map((worker) => worker.pid);
        expect(pids).to.not.be.empty;
        for (const pid of pids) {
          const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
          const preload = argv[argv.indexOf('--require') + 1] ?? '';
          expect(realpathSync(preload)).to.equal(
            realpathSync(join(app, 'node_modules', PACKAGE, 'dist', 'worker-cjs', 'preload.js')),
          );
        }

        const down = await npx(['orchestrator', 'down'], app);
        expect(down.code, down.stderr).to.equal(0);
        expect((await up.exited).code).to.equal(0);
        const drained = readdirSync(app).filter((name) => name.startsWith('drained-'));
        expect(drained.sort()).to.deep.equal(pids.map((pid) => `drained-${pid}`).sort());
      } finally {
        expect((await up.cleanup()).leftovers).to.deep.equal([]);
      }
    });
  }

  it('init without the package says what to install; once installed as told, validate passes', async () => {
    // The bin of a copy installed elsewhere (as `npx cluster-orchestrator` or a global install runs it).
    const tools = await freshProject('tools');
    await install(tarball, tools);
    const bin = join(tools, 'node_modules', PACKAGE, 'dist', 'cli', 'main.js');
    const app = await freshProject('app-without');

    const init = await run(bin, ['init'], app);
    expect(init.code).to.equal(0);
    expect(init.stdout.split('\n').at(-2)).to.equal(
      `next: npm i ${PACKAGE}, then npx orchestrator validate, then npx orchestrator up`,
    );
    const before = await run(bin, ['validate'], app);
    expect(before.code).to.equal(1);
    expect(before.stderr).to.include(`Cannot find package '${PACKAGE}'`);
    expect(before.stderr).to.include(`install it in the project: npm i ${PACKAGE}`);

    await install(tarball, app);
    const after = await npx(['orchestrator', 'validate'], app);
    expect(after.stderr).to.equal('');
    expect(after.code).to.equal(0);
  });

  it("follows the README's first commands, in the README's order", () => {
    // The README's first shell block is what a newcomer types; this test runs the same (with the tarball).
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const block = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const commands = block
      .split('\n')
      .map((line) => line.replace(/#.*$/, '').trim())
      .filter((line) => line !== '');
    expect(commands).to.deep.equal([
      `npm i ${PACKAGE}`,
      'npx orchestrator init',
      'npx orchestrator validate',
      'npx orchestrator up',
    ]);
    expect(readme.indexOf(block)).to.be.below(readme.indexOf('## Try the bundled demo'));
    expect(readme.slice(0, readme.indexOf(block))).to.match(/Node\.js 22\.18 or later/);
  });

  it('ships every file that the package, its README and its messages name', async () => {
    const app = await freshProject('app-files');
    await install(tarball, app);
    await npx(['orchestrator', 'init'], app);
    const installed = join(app, 'node_modules', PACKAGE);
    const named = new Set<string>();
    const texts = [
      readFileSync(join(app, 'cluster.config.ts'), 'utf8'),
      ...filesUnder(installed).map((file) => readFileSync(file, 'utf8')),
    ];
    for (const text of texts) {
      for (const match of text.matchAll(new RegExp(`node_modules/${PACKAGE}/([\\w./-]*\\w)`, 'g'))) {
        named.add(match[1] ?? '');
      }
    }
    // The README's links within the repository (anchors and web addresses aside).
    for (const match of readFileSync(join(installed, 'README.md'), 'utf8').matchAll(
      /\]\(([^)#\s]+)(?:#[^)]*)?\)/g,
    )) {
      const target = match[1] ?? '';
      if (!/^[a-z]+:/.test(target)) named.add(target.replace(/^\.\//, ''));
    }
    expect(named).to.include('docs/config.md');
    const missing = [...named].filter((path) => !existsSync(join(installed, path)));
    expect(missing).to.deep.equal([]);
  });
});

/** The package's text files, recursively (skipping source maps, which quote the sources). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : filesUnder(path);
    return /\.(?:js|md|json|ts)$/.test(entry.name) && !entry.name.endsWith('.map') ? [path] : [];
  });
}
