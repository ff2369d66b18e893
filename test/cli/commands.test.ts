import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { runCli } from '../../src/cli/dispatch.ts';
import type { CliIo } from '../../src/cli/io.ts';
import { COMMANDS } from '../../src/cli/registry.ts';
import { orchestratorInProcess } from '../helpers/cli.ts';

const FILES = fileURLToPath(new URL('../config/fixtures/files/', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCHEMA_FILE = fileURLToPath(new URL('../../schemas/cluster.config.schema.json', import.meta.url));

/** Runs `orchestrator ARGV` in this process, capturing what it prints. */
const cli = (argv: string[], cwd = FILES) => orchestratorInProcess(argv, cwd);

describe('orchestrator (in process)', () => {
  describe('dispatch', () => {
    it('lists every registered command in --help', async () => {
      const { code, stdout } = await cli(['--help']);
      expect(code).to.equal(0);
      for (const name of Object.keys(COMMANDS)) expect(stdout).to.match(new RegExp(`^  ${name} +\\S`, 'm'));
    });

    it('exits 2 with a one-line hint for an unknown command or no command', async () => {
      const unknown = await cli(['frobnicate']);
      expect(unknown).to.deep.include({
        code: 2,
        stderr: "orchestrator: unknown command 'frobnicate'\nTry 'orchestrator --help'.\n",
      });
      expect((await cli([])).code).to.equal(2);
    });

    it('hands the rest of the arguments to the command found in the registry', async () => {
      const seen: string[][] = [];
      const run = async (argv: string[]) => {
        seen.push(argv);
        return 5;
      };
      const commands = { echo: { summary: 'echo', run } };
      const io: CliIo = { stdout: { write: () => true }, stderr: { write: () => true }, cwd: FILES };
      expect(await runCli(['echo', '-x', 'y'], io, commands)).to.equal(5);
      expect(seen).to.deep.equal([['-x', 'y']]);
    });

    it('answers --help for every command with its usage', async () => {
      for (const name of ['validate', 'schema', 'init']) {
        const { code, stdout } = await cli([name, '--help']);
        expect(code, name).to.equal(0);
        expect(stdout, name).to.match(new RegExp(`^Usage: orchestrator ${name}`));
      }
    });

    it('exits 2 on a bad option or a stray argument, with a hint', async () => {
      const bad = await cli(['validate', '--bogus']);
      expect(bad.code).to.equal(2);
      expect(bad.stderr).to.equal(
        "orchestrator validate: unknown option '--bogus'\nTry 'orchestrator validate --help'.\n",
      );
      expect((await cli(['schema', 'extra'])).code).to.equal(2);
      expect((await cli(['validate', '-c'])).code).to.equal(2);
      expect((await cli(['validate', '--timeout', 'soon'])).code).to.equal(2);
    });
  });

  describe('words for mistakes', () => {
    it('prints the version with --version', async () => {
      const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
      expect(await cli(['--version'])).to.deep.include({ code: 0, stdout: `${version}\n`, stderr: '' });
    });

    it('suggests the command meant by a typo', async () => {
      expect(await cli(['stauts'])).to.deep.include({
        code: 2,
        stderr:
          "orchestrator: unknown command 'stauts'; did you mean 'status'?\nTry 'orchestrator --help'.\n",
      });
    });

    it("says what is wrong with an option in the CLI's own words, with a guess for a typo", async () => {
      const said = async (...argv: string[]) => {
        const { code, stderr } = await cli(argv);
        expect(code, argv.join(' ')).to.equal(2);
        return stderr.split('\n')[0];
      };
      expect(await said('status', '--jsno')).to.equal(
        "orchestrator status: unknown option '--jsno'; did you mean '--json'?",
      );
      expect(await said('status', '-x')).to.equal("orchestrator status: unknown option '-x'");
      expect(await said('validate', '-c')).to.equal("orchestrator validate: option '-c' needs a value");
      expect(await said('status', '--json=yes')).to.equal(
        "orchestrator status: option '--json' takes no value",
      );
    });

    it('refuses to validate a module not named like a config, without running it', async () => {
      const folder = mkdtempSync(join(tmpdir(), 'orchestrator-app-'));
      try {
        const marker = join(folder, 'ran');
        writeFileSync(
          join(folder, 'server.mjs'),
          `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'yes');\n`,
        );
        const { code, stderr } = await cli(['validate', '-c', 'server.mjs'], folder);
        expect(code).to.equal(1);
        expect(stderr).to.include(`${join(folder, 'server.mjs')}: not loaded: loading a module runs it`);
        expect(existsSync(marker), 'the app ran').to.equal(false);
      } finally {
        rmSync(folder, { recursive: true, force: true });
      }
    });

    it('says that a config module did not export a config', async () => {
      const folder = mkdtempSync(join(tmpdir(), 'orchestrator-app-'));
      try {
        writeFileSync(join(folder, 'cluster.config.mjs'), 'export const groups = {};\n');
        const { code, stderr } = await cli(['validate'], folder);
        expect(code).to.equal(1);
        expect(stderr).to.include('has no default export');
      } finally {
        rmSync(folder, { recursive: true, force: true });
      }
    });
  });

  describe('control commands without a config', () => {
    it('say that no folder up to the root has a config, and suggest -c FILE (exit 3)', async () => {
      const empty = mkdtempSync(join(tmpdir(), 'orchestrator-empty-'));
      try {
        const { code, stderr } = await cli(['status'], empty);
        expect(code).to.equal(3);
        expect(stderr).to.equal(
          `orchestrator status: no config file in ${empty} or any folder above it (cluster.config.ts, ...): run this in the project's folder, or give the config with -c FILE\n`,
        );
      } finally {
        rmSync(empty, { recursive: true, force: true });
      }
    });
  });

  describe('validate', () => {
    it('exits 0 for a valid config and names it', async () => {
      const { code, stdout } = await cli(['validate', '-c', 'valid.json']);
      expect(code).to.equal(0);
      expect(stdout).to.equal(`${join(FILES, 'valid.json')}: valid; groups: web (count 2), jobs (count 1)\n`);
    });

    it('exits 1 and prints FILE: path: message for each problem', async () => {
      const { code, stderr } = await cli(['validate', '--config', 'count-negative.json']);
      expect(code).to.equal(1);
      expect(stderr).to.equal(
        `${join(FILES, 'count-negative.json')}: groups.web.count: must be >= 0, got -1\n1 problem found.\n`,
      );
    });
  });

  describe('schema', () => {
    it('prints exactly schemas/cluster.config.schema.json', async () => {
      const { code, stdout } = await cli(['schema']);
      expect(code).to.equal(0);
      expect(stdout).to.equal(readFileSync(SCHEMA_FILE, 'utf8'));
    });
  });

  describe('init', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'orchestrator-init-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('writes a commented cluster.config.ts pointing at an existing server, and a starter when there is none', async () => {
      const { code, stdout } = await cli(['init'], dir);
      expect(code).to.equal(0);
      expect(stdout).to.include(join(dir, 'cluster.config.ts'));
      const text = readFileSync(join(dir, 'cluster.config.ts'), 'utf8');
      expect(text).to.match(/^import \{ defineConfig \} from 'cluster-orchestrator';/);
      expect(text).to.include('entry: "./server.mjs"');
      expect(text.split('\n').filter((line) => line.trim().startsWith('//')).length).to.be.above(10);
      expect(existsSync(join(dir, 'server.mjs'))).to.equal(true);
    });

    it('says to install cluster-orchestrator first in a project that does not have it', async () => {
      const { stdout } = await cli(['init'], dir);
      expect(stdout.split('\n').slice(-2)).to.deep.equal([
        'next: npm i cluster-orchestrator, then npx orchestrator validate, then npx orchestrator up',
        '',
      ]);
    });

    it('says how to check and start the config in a project that has cluster-orchestrator', async () => {
      // Inside this repository, `cluster-orchestrator` resolves to the package itself, as once installed.
      const inside = mkdtempSync(join(ROOT, 'test', 'cli', '.init-'));
      try {
        const { stdout } = await cli(['init'], inside);
        expect(stdout.split('\n').slice(-2)).to.deep.equal([
          'next: npx orchestrator validate, then npx orchestrator up',
          '',
        ]);
      } finally {
        rmSync(inside, { recursive: true, force: true });
      }
    });

    it("uses package.json's main as the entry", async () => {
      writeFileSync(join(dir, 'package.json'), '{ "main": "app.js" }');
      writeFileSync(join(dir, 'app.js'), '');
      expect((await cli(['init'], dir)).code).to.equal(0);
      expect(readFileSync(join(dir, 'cluster.config.ts'), 'utf8')).to.include('entry: "./app.js"');
      expect(existsSync(join(dir, 'server.mjs'))).to.equal(false);
    });

    it('refuses to overwrite an existing config (exit 1) and leaves it as it was', async () => {
      writeFileSync(join(dir, 'cluster.config.ts'), '// mine\n');
      const { code, stderr } = await cli(['init'], dir);
      expect(code).to.equal(1);
      expect(stderr).to.match(/already exists; not overwriting it/);
      expect(readFileSync(join(dir, 'cluster.config.ts'), 'utf8')).to.equal('// mine\n');
    });
  });
});
