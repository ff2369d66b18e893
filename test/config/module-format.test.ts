import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { formatConfigError } from '../../src/config/errors.ts';
import { loadConfig } from '../../src/config/load.ts';
import { hasModuleSyntax } from '../../src/config/module-format.ts';
import { orchestrator } from '../helpers/cli.ts';

const ESM_TS = `import { PORT } from './port.ts';
type Port = string;
const port: Port = PORT;
export default { groups: { web: { entry: './server.js', env: { PORT: port } } } };
`;
const PORT_TS = "export const PORT: string = '3000';\n";
const CJS_TS = `const { PORT } = require('./port.cjs');
const port: string = PORT;
module.exports = { groups: { web: { entry: './server.js', env: { PORT: port } } } };
`;

/** A throw-away project: package.json with the given `type` (none when undefined) and the given files. */
function project(type: string | undefined, files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'orchestrator-format-'));
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify(type === undefined ? { name: 'app' } : { name: 'app', type }),
  );
  writeFileSync(join(dir, 'server.js'), '');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('config module format', () => {
  const dirs: string[] = [];
  const make = (type: string | undefined, files: Record<string, string>) => {
    const dir = project(type, files);
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  async function portOf(cwd: string): Promise<string | undefined> {
    const result = await loadConfig({ cwd });
    if (!result.ok) throw new Error(result.errors.map(formatConfigError).join('\n'));
    return result.config.groups.web?.env.PORT;
  }

  it('loads a cluster.config.ts written with import/export in a "type": "commonjs" package (npm init -y)', async () => {
    const cwd = make('commonjs', { 'cluster.config.ts': ESM_TS, 'port.ts': PORT_TS });
    expect(await portOf(cwd)).to.equal('3000');
    // A tsconfig.json that compiles the project to CommonJS changes nothing: Node never reads it.
    writeFileSync(join(cwd, 'tsconfig.json'), '{ "compilerOptions": { "module": "commonjs" } }\n');
    expect(await portOf(cwd)).to.equal('3000');
  });

  it('loads the same in a package without "type", in a "type": "module" one, and as .js in a CommonJS one', async () => {
    expect(await portOf(make(undefined, { 'cluster.config.ts': ESM_TS, 'port.ts': PORT_TS }))).to.equal(
      '3000',
    );
    expect(await portOf(make('module', { 'cluster.config.ts': ESM_TS, 'port.ts': PORT_TS }))).to.equal(
      '3000',
    );
    const js = ESM_TS.replace("'./port.ts'", "'./port.js'")
      .replace('type Port = string;\n', '')
      .replace(': Port', '');
    expect(
      await portOf(make('commonjs', { 'cluster.config.js': js, 'port.js': "export const PORT = '3000';\n" })),
    ).to.equal('3000');
  });

  it('still loads a CommonJS config (require, module.exports) in a CommonJS or untyped package', async () => {
    const port = "exports.PORT = '3000';\n";
    expect(await portOf(make('commonjs', { 'cluster.config.ts': CJS_TS, 'port.cjs': port }))).to.equal(
      '3000',
    );
    expect(await portOf(make(undefined, { 'cluster.config.ts': CJS_TS, 'port.cjs': port }))).to.equal('3000');
  });

  it('prints no warning about the package type (the spawned CLI)', async () => {
    for (const type of [undefined, 'commonjs']) {
      const cwd = make(type, { 'cluster.config.ts': ESM_TS, 'port.ts': PORT_TS });
      const { code, stdout, stderr } = await orchestrator(['validate'], cwd);
      expect(stderr, String(type)).to.equal('');
      expect(stdout, String(type)).to.match(/cluster\.config\.ts: valid; groups: web/);
      expect(code, String(type)).to.equal(0);
    }
  });

  it('says what to install when the config imports a package the project does not have', async () => {
    const cwd = make('commonjs', {
      'cluster.config.ts':
        "import { defineConfig } from 'cluster-orchestrator';\nexport default defineConfig({ groups: {} });\n",
    });
    const result = await loadConfig({ cwd });
    expect(result.ok).to.equal(false);
    expect(result.ok ? '' : formatConfigError(result.errors[0] as never)).to.equal(
      `${join(cwd, 'cluster.config.ts')}: cannot import: Cannot find package 'cluster-orchestrator' imported from ` +
        `${join(cwd, 'cluster.config.ts')}; install it in the project: npm i cluster-orchestrator`,
    );
  });

  it('tells module syntax from CommonJS, in JavaScript and TypeScript', () => {
    expect(hasModuleSyntax(ESM_TS, true)).to.equal(true);
    expect(hasModuleSyntax(CJS_TS, true)).to.equal(false);
    expect(hasModuleSyntax('const x = await Promise.resolve(1);\nmodule.exports = x;\n', false)).to.equal(
      true,
    );
    expect(hasModuleSyntax('console.log(import.meta.url);\n', false)).to.equal(true);
    expect(hasModuleSyntax('export default {};\n', false)).to.equal(true);
    expect(hasModuleSyntax('module.exports = { a: import("x") };\n', false)).to.equal(false);
    // Not valid at all: left to Node, which reports the error with its position.
    expect(hasModuleSyntax('const = 1;\n', false)).to.equal(false);
    expect(hasModuleSyntax('enum A { B }\nexport default {};\n', true)).to.equal(false);
  });
});
