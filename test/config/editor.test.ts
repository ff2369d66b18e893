import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import jsonService from 'vscode-json-languageservice';
import { TextDocument } from 'vscode-languageserver-textdocument';
import yamlService from 'yaml-language-server/lib/umd/languageservice/yamlLanguageService.js';

// The engine VS Code runs for JSON files, driven as VS Code drives it: the document names its schema in
// `$schema`, relative to itself, and the service fetches it through our request service.
const FOLDER = new URL('./fixtures/editor/', import.meta.url);
const DOC_URI = new URL('cluster.config.json', FOLDER).href;
const SCHEMA_REF = '../../../../schemas/cluster.config.schema.json';

const readSchema = async (uri: string) => readFileSync(fileURLToPath(uri), 'utf8');
const workspaceContext = {
  resolveRelativePath: (relative: string, resource: string) => new URL(relative, resource).href,
};

function jsonLanguageService() {
  const service = jsonService.getLanguageService({
    schemaRequestService: readSchema,
    workspaceContext,
  });
  service.configure({ validate: true, allowComments: false });
  return service;
}

async function diagnose(text: string) {
  const service = jsonLanguageService();
  const document = TextDocument.create(DOC_URI, 'json', 1, text);
  const diagnostics = await service.doValidation(document, service.parseJSONDocument(document));
  return diagnostics.map((d) => ({ line: d.range.start.line + 1, message: d.message }));
}

describe('editor validation with vscode-json-languageservice', () => {
  it('accepts a valid cluster.config.json', async () => {
    const text = JSON.stringify(
      { $schema: SCHEMA_REF, groups: { web: { entry: './server.js', count: 2 } } },
      null,
      2,
    );
    expect(await diagnose(text)).to.deep.equal([]);
  });

  it('flags a misspelled key, a wrong type and a bad enum value, each on its line', async () => {
    const text = `{
  "$schema": "${SCHEMA_REF}",
  "groups": {
    "web": {
      "entry": "./server.js",
      "cuont": 2,
      "env": { "PORT": 3000 },
      "scheduling": "fastest"
    }
  }
}`;
    const diagnostics = await diagnose(text);
    expect(diagnostics.find((d) => d.line === 6)?.message).to.equal('Property cuont is not allowed.');
    expect(diagnostics.find((d) => d.line === 7)?.message).to.equal('Incorrect type. Expected "string".');
    expect(diagnostics.find((d) => d.line === 8)?.message).to.match(
      /^Value is not accepted\. Valid values: "round-robin", "os", "reusePort"\.$/,
    );
    expect(diagnostics).to.have.length(3);
  });

  it('offers the group keys as completions', async () => {
    const text = `{ "$schema": "${SCHEMA_REF}", "groups": { "web": { "entry": "./a.js",  } } }`;
    const offset = text.indexOf(',  }') + 2;
    const service = jsonLanguageService();
    const document = TextDocument.create(DOC_URI, 'json', 1, text);
    const completions = await service.doComplete(
      document,
      document.positionAt(offset),
      service.parseJSONDocument(document),
    );
    const labels = (completions?.items ?? []).map((item) => item.label);
    expect(labels).to.include.members([
      'count',
      'scheduling',
      'env',
      'args',
      'execArgv',
      'ready',
      'backoff',
      'restart',
      'reload',
      'shutdown',
      'health',
    ]);
    expect(labels).to.not.include('entry');
  });

  it("shows a key's description on hover", async () => {
    const text = `{ "$schema": "${SCHEMA_REF}", "watch": true }`;
    const service = jsonLanguageService();
    const document = TextDocument.create(DOC_URI, 'json', 1, text);
    const hover = await service.doHover(
      document,
      document.positionAt(text.indexOf('watch') + 1),
      service.parseJSONDocument(document),
    );
    expect(JSON.stringify(hover?.contents)).to.include('Apply edits of this file to the running cluster');
  });
});

// The engine of the VS Code YAML extension, offline: the schema comes from the modeline, read from disk.
describe('editor validation with yaml-language-server', () => {
  const YAML_URI = new URL('cluster.config.yaml', FOLDER).href;
  const service = yamlService.getLanguageService({ schemaRequestService: readSchema, workspaceContext });
  service.configure({ validate: true, completion: true, hover: true });
  const modeline = `# yaml-language-server: $schema=${SCHEMA_REF}`;

  it('flags a misspelled key, a wrong type and a bad enum value, each on its line', async () => {
    const text = `${modeline}
groups:
  web:
    entry: ./server.js
    cuont: 2
    env:
      PORT: 3000
    scheduling: fastest
`;
    const diagnostics = await service.doValidation(TextDocument.create(YAML_URI, 'yaml', 1, text), false);
    const byLine = diagnostics.map((d) => [d.range.start.line + 1, d.message]).sort();
    expect(byLine).to.deep.equal([
      [5, 'Property cuont is not allowed.'],
      [7, 'Incorrect type. Expected "string".'],
      [8, 'Value is not accepted. Valid values: "round-robin", "os", "reusePort".'],
    ]);
  });

  it('accepts a valid file and offers the group keys as completions', async () => {
    const text = `${modeline}\ngroups:\n  web:\n    entry: ./server.js\n    \n`;
    // A new version: the service caches parsed documents by URI and version.
    const document = TextDocument.create(YAML_URI, 'yaml', 2, text);
    expect(await service.doValidation(document, false)).to.deep.equal([]);
    const completions = await service.doComplete(document, { line: 4, character: 4 }, false);
    expect(completions.items.map((item) => item.label)).to.include.members([
      'count',
      'scheduling',
      'env',
      'backoff',
      'health',
    ]);
  });
});
