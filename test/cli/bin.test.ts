import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const BIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FILES = fileURLToPath(new URL('../config/fixtures/files/', import.meta.url));

const children = new Set<ChildProcess>();

/** Runs the real `orchestrator` bin under this Node (24, through npm), waiting for its output to close. */
function orchestrator(
  args: string[],
  cwd: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      children.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('orchestrator bin (spawned)', () => {
  afterEach(() => {
    for (const child of children) child.kill('SIGKILL');
    expect(
      [...children].filter((child) => child.exitCode === null && child.signalCode === null && !child.killed),
    ).to.deep.equal([]);
  });

  it('validate exits 0 on the bundled cluster.config.ts', async () => {
    const { code, stdout, stderr } = await orchestrator(['validate'], ROOT);
    expect(stderr).to.equal('');
    expect(code).to.equal(0);
    expect(stdout).to.equal(
      `${join(ROOT, 'cluster.config.ts')}: valid; groups: web (count auto), jobs (count 1)\n`,
    );
  });

  it('validate exits 1 for each bad input with the key path or position, never a stack trace', async function () {
    // Two at a time: ten config-loading processes at once on a busy 2-core machine can outlast a load timeout.
    this.timeout(120_000);
    const expected: Record<string, RegExp> = {
      'bad-syntax.json': /bad-syntax\.json:3:43: invalid JSON/,
      'bad-syntax.yaml': /bad-syntax\.yaml:4:1: invalid YAML/,
      'bad-syntax.mjs': /bad-syntax\.mjs:3:3: syntax error/,
      'empty.ts': /empty\.ts: the file is empty/,
      'default-number.ts': /default-number\.ts: the default export must be an object/,
      'throws.ts': /throws\.ts:2:9: threw while loading: PORT is not set/,
      'count-negative.json': /count-negative\.json: groups\.web\.count: must be >= 0, got -1/,
      'count-fraction.yaml': /count-fraction\.yaml: groups\.web\.count: must be a whole number/,
      'unknown-strategy.ts':
        /unknown-strategy\.ts: groups\.web\.backoff\.strategy: unknown value "exponental"/,
      'misspelled.ts': /misspelled\.ts: groups\.web\.cuont: unknown key \(did you mean 'count'\?\)/,
    };
    const files = Object.keys(expected);
    const results: Awaited<ReturnType<typeof orchestrator>>[] = [];
    for (let i = 0; i < files.length; i += 2) {
      results.push(
        ...(await Promise.all(
          files.slice(i, i + 2).map((file) => orchestrator(['validate', '-c', file], FILES)),
        )),
      );
    }
    Object.keys(expected).forEach((file, i) => {
      const { code, stdout, stderr } = results[i] as { code: number; stdout: string; stderr: string };
      expect(code, file).to.equal(1);
      expect(stdout, file).to.equal('');
      expect(stderr, file).to.match(expected[file] as RegExp);
      expect(stderr, file).to.not.match(/^\s+at /m);
    });
  });

  it('validate --timeout bounds a config that never settles', async () => {
    const { code, stderr } = await orchestrator(
      ['validate', '-c', 'never-settles.mjs', '--timeout', '300'],
      FILES,
    );
    expect(code).to.equal(1);
    expect(stderr).to.match(/never-settles\.mjs: did not finish loading within 300 ms/);
  });

  it('schema prints exactly the schema file', async () => {
    const { code, stdout } = await orchestrator(['schema'], FILES);
    expect(code).to.equal(0);
    expect(stdout).to.equal(readFileSync(join(ROOT, 'schemas', 'cluster.config.schema.json'), 'utf8'));
  });

  it('usage errors exit 2', async () => {
    expect((await orchestrator(['nope'], FILES)).code).to.equal(2);
    expect((await orchestrator(['validate', '--nope'], FILES)).code).to.equal(2);
  });

  describe('init', () => {
    let dir: string;
    beforeEach(() => {
      // Inside the repository, so `import ... from 'cluster-orchestrator'` resolves to this package (its
      // built dist/, as for a user who installed it; `npm test` builds before running the tests).
      dir = mkdtempSync(join(ROOT, 'test', 'cli', '.init-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('writes a config that validate accepts, then refuses to overwrite it', async () => {
      expect((await orchestrator(['init'], dir)).code).to.equal(0);
      const validated = await orchestrator(['validate'], dir);
      expect(validated.stderr).to.equal('');
      expect(validated.code).to.equal(0);
      expect((await orchestrator(['init'], dir)).code).to.equal(1);
    });
  });
});
