import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { expect } from 'chai';
import { parse as parseYaml } from 'yaml';
import { buildJsonSchema, type JsonSchema, jsonSchemaText } from '../../src/config/json-schema.ts';
import { validateConfig } from '../../src/config/validate.ts';

const SCHEMA_FILE = fileURLToPath(new URL('../../schemas/cluster.config.schema.json', import.meta.url));
const FILES = fileURLToPath(new URL('./fixtures/files/', import.meta.url));

function compile() {
  const ajv = new Ajv({ strict: true, allErrors: true });
  // VS Code's extension of JSON Schema: registered so strict mode accepts it as a known annotation.
  ajv.addKeyword({ keyword: 'markdownDescription', schemaType: 'string' });
  return ajv.compile(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')));
}

/** Every `properties` entry in the schema, with its path. */
function* propertiesOf(node: unknown, path = ''): Generator<[string, JsonSchema]> {
  if (typeof node !== 'object' || node === null) return;
  const schema = node as JsonSchema;
  for (const [key, value] of Object.entries((schema.properties as Record<string, JsonSchema>) ?? {})) {
    yield [`${path}.${key}`, value];
    yield* propertiesOf(value, `${path}.${key}`);
  }
  if (typeof schema.additionalProperties === 'object')
    yield* propertiesOf(schema.additionalProperties, `${path}.*`);
  for (const key of ['anyOf', 'oneOf'] as const) {
    for (const option of (schema[key] as unknown[] | undefined) ?? []) yield* propertiesOf(option, path);
  }
}

describe('the JSON Schema', () => {
  it('schemas/cluster.config.schema.json is what the zod schema generates (run `npm run schema:generate`)', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).to.equal(jsonSchemaText());
  });

  it('is draft-07 and compiles in ajv strict mode', () => {
    expect(buildJsonSchema().$schema).to.equal('http://json-schema.org/draft-07/schema#');
    expect(compile()).to.be.a('function');
  });

  it('describes every property, for editor hovers', () => {
    const all = [...propertiesOf(buildJsonSchema())];
    expect(all.length).to.be.at.least(40);
    for (const [path, property] of all) {
      expect(property.description, path).to.be.a('string').and.not.equal('');
      expect(property.markdownDescription, path).to.equal(property.description);
    }
  });

  it('shows defaults and leaves defaulted keys optional (the input side)', () => {
    const schema = buildJsonSchema() as { properties: { groups: { additionalProperties: JsonSchema } } };
    const group = schema.properties.groups.additionalProperties;
    expect(group.required).to.deep.equal(['entry']);
    expect((group.properties as Record<string, JsonSchema>).count?.default).to.equal('auto');
    expect((schema as JsonSchema).required).to.deep.equal(['groups']);
  });

  describe('judges configs the way the validator does', () => {
    const validate = compile();
    const entry = '../app/server.ts';
    // Data the zod schema and the JSON Schema must agree on. Not here: the rules JSON Schema cannot say in
    // draft-07 (entry exists on disk, initialMs <= maxMs, maxSurge and maxUnavailable not both 0).
    const cases: Record<string, unknown> = {
      minimal: { groups: { web: { entry } } },
      full: {
        $schema: 'x',
        watch: false,
        groups: {
          web: {
            entry,
            count: 0,
            scheduling: 'os',
            env: { A: 'b' },
            args: ['--a'],
            execArgv: ['--inspect'],
            ready: { on: 'message', timeoutMs: 1 },
            backoff: { strategy: 'linear', initialMs: 0, incrementMs: 5, maxMs: 10 },
            restart: { when: 'on-failure', maxRestarts: 0, windowMs: 1, resetAfterMs: 0 },
            reload: { order: -1, maxSurge: 0, maxUnavailable: 1, timeoutMs: 1 },
            shutdown: { timeoutMs: 1 },
            health: { heartbeatTimeoutMs: 0, maxMemoryMb: 512 },
          },
        },
      },
      'backoff none': { groups: { web: { entry, backoff: { strategy: 'none' } } } },
      'count -1': { groups: { web: { entry, count: -1 } } },
      'count 1.5': { groups: { web: { entry, count: 1.5 } } },
      'count word': { groups: { web: { entry, count: 'many' } } },
      'unknown strategy': { groups: { web: { entry, backoff: { strategy: 'exponental' } } } },
      'key of another strategy': { groups: { web: { entry, backoff: { strategy: 'fixed', factor: 2 } } } },
      'misspelled key': { groups: { web: { entry, cuont: 1 } } },
      'unknown top-level key': { groups: { web: { entry } }, wach: true },
      'env number': { groups: { web: { entry, env: { PORT: 3000 } } } },
      'bad group name': { groups: { 'a b': { entry } } },
      'no entry': { groups: { web: {} } },
      'entry extension': { groups: { web: { entry: './a.py' } } },
      'zero timeout': { groups: { web: { entry, shutdown: { timeoutMs: 0 } } } },
      'jitter above 1': { groups: { web: { entry, backoff: { strategy: 'exponential', jitter: 2 } } } },
      'watch string': { groups: { web: { entry } }, watch: 'yes' },
      'no groups': {},
    };
    for (const name of [
      'valid.json',
      'valid.yaml',
      'count-negative.json',
      'count-fraction.yaml',
      'not-an-object.yaml',
    ]) {
      const text = readFileSync(join(FILES, name), 'utf8');
      cases[name] = name.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
    }

    for (const [name, data] of Object.entries(cases)) {
      it(name, () => {
        const byZod = validateConfig(data, join(FILES, 'cluster.config.json')).ok;
        expect(validate(data), JSON.stringify(validate.errors)).to.equal(byZod);
      });
    }
  });
});
