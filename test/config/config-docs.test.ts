import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { renderConfigDocs } from '../../src/config/config-docs.ts';
import { buildJsonSchema } from '../../src/config/json-schema.ts';

const DOCS_FILE = fileURLToPath(new URL('../../docs/config.md', import.meta.url));

describe('docs/config.md', () => {
  const docs = renderConfigDocs(buildJsonSchema());

  it('is what the schema generates (run `npm run schema:generate`)', () => {
    expect(readFileSync(DOCS_FILE, 'utf8')).to.equal(docs);
  });

  it('lists every key with its type, default and meaning', () => {
    expect(docs).to.include(
      '| `groups.<name>.count` | integer ≥ 0 \\| `"auto"` | `"auto"` | How many workers to run',
    );
    expect(docs).to.include(
      '| `groups.<name>.backoff.delayMs` | integer ≥ 0 | `1000` | Delay before each respawn, in ms. |',
    );
    expect(docs).to.include('| `groups.<name>.entry` | string | required |');
    expect(docs).to.include('| `watch` | boolean | `true` |');
    for (const key of [
      'restart.maxRestarts',
      'reload.maxSurge',
      'shutdown.timeoutMs',
      'health.maxMemoryMb',
      'ready.on',
    ]) {
      expect(docs).to.include(`\`groups.<name>.${key}\``);
    }
  });
});
