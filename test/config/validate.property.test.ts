import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import fc from 'fast-check';
import { validateConfig } from '../../src/config/validate.ts';

const FILE = join(fileURLToPath(new URL('./fixtures/files/', import.meta.url)), 'cluster.config.json');

function expectAnswer(data: unknown): void {
  const result = validateConfig(data, FILE);
  if (result.ok) expect(result.config.groups).to.be.an('object');
  else {
    expect(result.errors).to.not.be.empty;
    for (const error of result.errors) {
      expect(error.file).to.equal(FILE);
      expect(error.path).to.be.a('string');
      expect(error.message).to.be.a('string').and.not.equal('');
    }
  }
}

/** Values shaped like a config, so the generator reaches the groups and nested blocks, not only the root. */
const configLike = fc.record(
  {
    groups: fc.dictionary(
      fc.oneof(fc.constantFrom('web', 'jobs', 'bad name', '__proto__', ''), fc.string()),
      fc.record(
        {
          entry: fc.oneof(fc.constant('../app/server.ts'), fc.jsonValue()),
          count: fc.oneof(fc.integer(), fc.double(), fc.constant('auto'), fc.jsonValue()),
          backoff: fc.oneof(
            fc.record({ strategy: fc.constantFrom('exponential', 'linear', 'fixed', 'none', 'x') }),
            fc.dictionary(fc.string(), fc.jsonValue()),
          ),
          reload: fc.record({
            maxSurge: fc.integer({ min: -1, max: 2 }),
            maxUnavailable: fc.integer({ min: -1, max: 2 }),
          }),
          env: fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.jsonValue())),
        },
        { requiredKeys: [] },
      ),
    ),
    watch: fc.jsonValue(),
  },
  { requiredKeys: [] },
);

describe('validateConfig on random input', () => {
  it('never throws for any JSON value: it returns errors or a config', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (data) => expectAnswer(data)),
      { numRuns: 500 },
    );
  });

  it('never throws for any JavaScript value (functions, symbols, odd prototypes, getters)', () => {
    fc.assert(
      fc.property(
        fc.anything({
          withObjectString: true,
          withNullPrototype: true,
          withMap: true,
          withSet: true,
          withBigInt: true,
          withDate: true,
          withTypedArray: true,
          withSparseArray: true,
          withBoxedValues: true,
        }),
        (data) => expectAnswer(data),
      ),
      { numRuns: 500 },
    );
  });

  it('never throws for config-shaped values, and accepts the valid ones', () => {
    fc.assert(
      fc.property(configLike, (data) => expectAnswer(data)),
      { numRuns: 500 },
    );
  });
});
