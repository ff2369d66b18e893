import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { formatConfigError } from '../../src/config/errors.ts';
import type { LoadResult } from '../../src/config/load.ts';
import * as fromSources from '../../src/config/load.ts';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const FILES = join(FIXTURES, 'files');
const SERVER = join(FIXTURES, 'app', 'server.ts');

function valid(result: LoadResult) {
  if (!result.ok)
    throw new Error(`expected a valid config:\n${result.errors.map(formatConfigError).join('\n')}`);
  return result;
}

function invalid(result: LoadResult) {
  if (result.ok) throw new Error(`expected errors, got ${JSON.stringify(result.config)}`);
  return result;
}

/**
 * Every case runs twice: with the sources (the loader under type stripping) and with the build, whose loader
 * process is one bundled file (scripts/bundle-loader.ts), as users run it. `npm test` builds first.
 */
const BUILDS = [
  ['sources', async () => fromSources.loadConfig],
  [
    'build, bundled loader',
    async () => {
      const built: typeof fromSources = await import(
        new URL('../../dist/config/load.js', import.meta.url).href
      );
      return built.loadConfig;
    },
  ],
] as const;

let loadConfig: typeof fromSources.loadConfig = fromSources.loadConfig;

/** The one error of a failed load, formatted as the CLI prints it. */
async function oneError(file: string, timeoutMs?: number): Promise<string> {
  const result = invalid(await loadConfig({ file, cwd: FILES, timeoutMs }));
  expect(result.errors, result.errors.map(formatConfigError).join('\n')).to.have.length(1);
  return formatConfigError(result.errors[0] as never);
}

for (const [build, loader] of BUILDS)
  describe(`loadConfig (${build})`, () => {
    before(async () => {
      loadConfig = await loader();
    });
    let scratch: string;
    beforeEach(() => {
      scratch = mkdtempSync(join(tmpdir(), 'orchestrator-load-'));
    });
    afterEach(() => rmSync(scratch, { recursive: true, force: true }));

    describe('discovery', () => {
      it('prefers cluster.config.ts over cluster.config.json in the same folder', async () => {
        const result = valid(await loadConfig({ cwd: join(FIXTURES, 'discovery', 'ts-first') }));
        expect(result.file).to.equal(join(FIXTURES, 'discovery', 'ts-first', 'cluster.config.ts'));
        expect(Object.keys(result.config.groups)).to.deep.equal(['ts']);
      });

      it('falls back to the "orchestrator" key of package.json', async () => {
        const result = valid(await loadConfig({ cwd: join(FIXTURES, 'discovery', 'package-json') }));
        expect(Object.keys(result.config.groups)).to.deep.equal(['pkg']);
        expect(result.config.groups.pkg?.entry).to.equal(SERVER);
      });

      it('finds .orchestratorrc.yaml', async () => {
        const result = valid(await loadConfig({ cwd: join(FIXTURES, 'discovery', 'rc-yaml') }));
        expect(Object.keys(result.config.groups)).to.deep.equal(['rc']);
      });

      it('looks in the given folder only, and says what it looked for', async () => {
        const nested = join(scratch, 'nested');
        mkdirSync(nested);
        writeFileSync(join(scratch, 'cluster.config.json'), '{ "groups": {} }');
        const result = invalid(await loadConfig({ cwd: nested }));
        expect(result.file).to.equal(null);
        expect(result.errors[0]?.file).to.equal(nested);
        expect(result.errors[0]?.message).to.match(
          /^no config file found \(looked for cluster\.config\.ts, cluster\.config\.mts/,
        );
      });

      it('takes -c FILE relative to cwd, whatever its name', async () => {
        const result = valid(await loadConfig({ file: 'valid.yaml', cwd: FILES }));
        expect(result.file).to.equal(join(FILES, 'valid.yaml'));
      });

      it('reports a -c FILE that does not exist or has an unknown type', async () => {
        expect(await oneError('nope.json')).to.equal(`${join(FILES, 'nope.json')}: file not found`);
        expect(await oneError('config.toml')).to.match(/config\.toml: unsupported config file type '\.toml'/);
      });
    });

    describe('formats', () => {
      it('loads JSON with $schema and YAML with a yaml-language-server comment', async () => {
        const json = valid(await loadConfig({ file: 'valid.json', cwd: FILES }));
        expect(json.config.groups.jobs?.backoff).to.deep.equal({ strategy: 'fixed', delayMs: 500 });
        expect(json.config.watch).to.equal(false);
        expect(valid(await loadConfig({ file: 'valid.yaml', cwd: FILES })).config.groups.web?.count).to.equal(
          'auto',
        );
      });

      it('ignores a UTF-8 byte order mark in JSON and YAML', async () => {
        expect(valid(await loadConfig({ file: 'bom.json', cwd: FILES })).config.groups.web?.count).to.equal(
          3,
        );
        expect(valid(await loadConfig({ file: 'bom.yaml', cwd: FILES })).config.groups.web?.count).to.equal(
          3,
        );
      });

      it('awaits a default export that is a promise', async () => {
        expect(
          valid(await loadConfig({ file: 'async-default.mjs', cwd: FILES })).config.groups.web?.count,
        ).to.equal(4);
      });
    });

    describe('bad input: one clear error each, with file and position or key path', () => {
      it('a JSON syntax error, with line and column', async () => {
        expect(await oneError('bad-syntax.json')).to.equal(
          `${join(FILES, 'bad-syntax.json')}:3:43: invalid JSON: Expected double-quoted property name`,
        );
      });

      it('a YAML syntax error, with line and column', async () => {
        expect(await oneError('bad-syntax.yaml')).to.equal(
          `${join(FILES, 'bad-syntax.yaml')}:4:1: invalid YAML: All mapping items must start at the same column`,
        );
      });

      it('a JavaScript syntax error in an ES module and in CommonJS, with line and column', async () => {
        expect(await oneError('bad-syntax.mjs')).to.equal(
          `${join(FILES, 'bad-syntax.mjs')}:3:3: syntax error: Unexpected identifier 'watch'`,
        );
        expect(await oneError('bad-syntax.cjs')).to.equal(
          `${join(FILES, 'bad-syntax.cjs')}:3:38: syntax error: Unexpected token ']'`,
        );
      });

      it('a TypeScript syntax error, with line and column', async () => {
        // Written at test time: a malformed .ts file in the repo would break the type-check.
        const file = join(scratch, 'cluster.config.ts');
        writeFileSync(file, "const port: string = '1';\nexport default {\n  groups: ,\n};\n");
        const result = invalid(await loadConfig({ cwd: scratch }));
        expect(result.errors.map(formatConfigError)).to.deep.equal([
          `${file}:3:11: syntax error: Expression expected`,
        ]);
      });

      it('TypeScript that Node cannot strip (an enum), with its line', async () => {
        const file = join(scratch, 'cluster.config.ts');
        writeFileSync(file, 'enum Mode { A }\nexport default { groups: { web: { entry: Mode.A } } };\n');
        const message = formatConfigError(invalid(await loadConfig({ cwd: scratch })).errors[0] as never);
        expect(message).to.match(
          /cluster\.config\.ts:1:1: syntax error: TypeScript enum is not supported in strip-only mode$/,
        );
      });

      it('an empty file', async () => {
        expect(await oneError('empty.ts')).to.equal(`${join(FILES, 'empty.ts')}: the file is empty`);
        expect(await oneError('bad-empty.json')).to.equal(
          `${join(FILES, 'bad-empty.json')}: the file is empty`,
        );
        expect(await oneError('comment-only.yaml')).to.equal(
          `${join(FILES, 'comment-only.yaml')}: the file is empty`,
        );
      });

      it('a module without a default export', async () => {
        expect(await oneError('no-default.ts')).to.match(
          /no-default\.ts: has no default export; write `export default defineConfig/,
        );
      });

      it('a default export that is not an object', async () => {
        expect(await oneError('default-number.ts')).to.match(
          /default-number\.ts: the default export must be an object .*got number$/,
        );
        expect(await oneError('default-list.mjs')).to.match(/got a list$/);
        expect(await oneError('not-an-object.yaml')).to.match(
          /not-an-object\.yaml: the config must be an object with a 'groups' key, got a list$/,
        );
      });

      it('a module that throws, pointing at the throw', async () => {
        expect(await oneError('throws.ts')).to.equal(
          `${join(FILES, 'throws.ts')}:2:9: threw while loading: PORT is not set`,
        );
      });

      it('a module that never settles: a timeout, and the caller goes on', async () => {
        const started = Date.now();
        expect(await oneError('never-settles.mjs', 500)).to.equal(
          `${join(FILES, 'never-settles.mjs')}: did not finish loading within 500 ms (does it wait for something that never happens?)`,
        );
        expect(Date.now() - started).to.be.below(10_000);
      });

      it('a module awaiting a promise that can never settle', async () => {
        expect(await oneError('unsettled.mjs')).to.match(
          /unsettled\.mjs: the config never finished loading: it awaits a promise/,
        );
      });

      it('a module that calls process.exit, without ending the caller', async () => {
        expect(await oneError('exits.mjs')).to.match(
          /exits\.mjs: the config ended its loader with exit code 7/,
        );
      });

      it('a module that crashes its loader from a timer, with the error', async () => {
        expect(await oneError('crashes-later.mjs')).to.match(
          /crashes-later\.mjs: the config crashed its loader: the vault is sealed$/,
        );
      });

      it('count: -1 (JSON) and count: 1.5 (YAML), with the key path', async () => {
        expect(await oneError('count-negative.json')).to.equal(
          `${join(FILES, 'count-negative.json')}: groups.web.count: must be >= 0, got -1`,
        );
        expect(await oneError('count-fraction.yaml')).to.equal(
          `${join(FILES, 'count-fraction.yaml')}: groups.web.count: must be a whole number or 'auto', got 1.5`,
        );
      });

      it('an unknown strategy and a misspelled key, with suggestions', async () => {
        expect(await oneError('unknown-strategy.ts')).to.match(
          /: groups\.web\.backoff\.strategy: unknown value "exponental".*\(did you mean 'exponential'\?\)$/,
        );
        expect(await oneError('misspelled.ts')).to.equal(
          `${join(FILES, 'misspelled.ts')}: groups.web.cuont: unknown key (did you mean 'count'?)`,
        );
      });

      it('functions, symbols, classes and Dates anywhere in the export, by key path', async () => {
        const fn = invalid(await loadConfig({ file: 'function-value.ts', cwd: FILES }));
        expect(fn.errors.map((e) => `${e.path}: ${e.message}`)).to.deep.equal([
          'groups.web.count: is a function (count); a config holds data only, no functions',
          'groups.web.env.PORT: is a symbol; a config holds data only',
        ]);
        const cls = invalid(await loadConfig({ file: 'class-value.mjs', cwd: FILES }));
        expect(cls.errors.map((e) => e.path)).to.deep.equal(['groups.web.handler', 'groups.web.started']);
      });

      it('entries that do not exist or are folders', async () => {
        const result = invalid(await loadConfig({ file: 'missing-entry.json', cwd: FILES }));
        expect(result.errors.map((e) => e.path)).to.deep.equal(['groups.web.entry', 'groups.api.entry']);
      });
    });

    describe('freshness', () => {
      it('returns the new values after a .ts config and a file it imports are edited, in the same process', async () => {
        writeFileSync(join(scratch, 'server.ts'), 'export {};\n');
        writeFileSync(join(scratch, 'port.ts'), "export const port: string = '3000';\n");
        const configText = (count: number) =>
          `import { port } from './port.ts';\nexport default { groups: { web: { entry: './server.ts', count: ${count}, env: { PORT: port } } } };\n`;
        writeFileSync(join(scratch, 'cluster.config.ts'), configText(1));
        const first = valid(await loadConfig({ cwd: scratch }));
        expect(first.config.groups.web).to.include({ count: 1 });
        expect(first.config.groups.web?.env).to.deep.equal({ PORT: '3000' });

        writeFileSync(join(scratch, 'cluster.config.ts'), configText(2));
        writeFileSync(join(scratch, 'port.ts'), "export const port: string = '4000';\n");
        const second = valid(await loadConfig({ cwd: scratch }));
        expect(second.config.groups.web).to.include({ count: 2 });
        expect(second.config.groups.web?.env).to.deep.equal({ PORT: '4000' });
      });
    });
  });

describe('the built config loader', () => {
  it('is one file: it imports nothing of ours and no package, only node: builtins', () => {
    const source = readFileSync(new URL('../../dist/config/load-worker.js', import.meta.url), 'utf8');
    const statics = source.matchAll(/^\s*import\s.*?\bfrom\s*["']([^"']+)["']/gm);
    const dynamics = source.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g);
    const specifiers = [...statics, ...dynamics].map((match) => match[1] ?? '');
    expect(specifiers.filter((specifier) => !specifier.startsWith('node:'))).to.deep.equal([]);
  });
});
