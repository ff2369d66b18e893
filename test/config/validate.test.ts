import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import type { ConfigError } from '../../src/config/errors.ts';
import { formatConfigError } from '../../src/config/errors.ts';
import { reusePortProblem } from '../../src/config/schema/scheduling.ts';
import { validateConfig } from '../../src/config/validate.ts';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
// A config file that would sit in fixtures/files, so '../app/server.ts' is an existing entry.
const FILE = join(FIXTURES, 'files', 'cluster.config.json');
const ENTRY = '../app/server.ts';

function errorsOf(data: unknown): ConfigError[] {
  const result = validateConfig(data, FILE);
  if (result.ok) throw new Error(`expected errors, got a valid config: ${JSON.stringify(result.config)}`);
  return result.errors;
}

function messageAt(data: unknown, path: string): string {
  const errors = errorsOf(data);
  const found = errors.find((e) => e.path === path);
  if (found === undefined)
    throw new Error(`no error at ${path}; got:\n${errors.map(formatConfigError).join('\n')}`);
  return found.message;
}

const web = (group: Record<string, unknown>) => ({ groups: { web: { entry: ENTRY, ...group } } });

describe('validateConfig', () => {
  describe('a valid config', () => {
    it('fills in every default of the contract', () => {
      const result = validateConfig({ groups: { web: { entry: ENTRY } } }, FILE);
      if (!result.ok) throw new Error(result.errors.map(formatConfigError).join('\n'));
      expect(result.config).to.deep.equal({
        groups: {
          web: {
            entry: join(FIXTURES, 'app', 'server.ts'),
            count: 'auto',
            scheduling: 'round-robin',
            env: {},
            args: [],
            execArgv: [],
            ready: { on: 'listening', timeoutMs: 30_000 },
            backoff: { strategy: 'exponential', initialMs: 100, maxMs: 30_000, factor: 2, jitter: 0.1 },
            restart: { when: 'always', maxRestarts: 10, windowMs: 60_000, resetAfterMs: 60_000 },
            reload: { order: 0, maxSurge: 1, maxUnavailable: 0, timeoutMs: 120_000 },
            shutdown: { timeoutMs: 10_000, longLived: { spreadMs: 3000 } },
            health: { heartbeatTimeoutMs: 10_000, maxMemoryMb: 0 },
            recycle: { afterRequests: 0, afterMs: 0, jitter: 0.1 },
            spares: { count: 0, preload: false },
          },
        },
        watch: true,
        metrics: { port: 0, host: '127.0.0.1', http: false },
      });
    });

    it('rejects a spare count that is not a whole number >= 0, and unknown spare keys', () => {
      for (const spares of [{ count: -1 }, { count: 1.5 }, { count: 1, warm: true }, { preload: 'yes' }]) {
        const result = validateConfig(web({ spares }), FILE);
        expect(result.ok, JSON.stringify(spares)).to.equal(false);
      }
      const ok = validateConfig(web({ spares: { count: 2 } }), FILE);
      expect(ok.ok && ok.config.groups.web?.spares).to.deep.equal({ count: 2, preload: false });
    });

    it('resolves entry against the folder of the config file, not the current directory', () => {
      const result = validateConfig(web({}), join(FIXTURES, 'files', 'deeper', '..', 'x.yaml'));
      expect(result.ok && result.config.groups.web?.entry).to.equal(join(FIXTURES, 'app', 'server.ts'));
    });

    it('fills the defaults of the chosen backoff strategy only', () => {
      const result = validateConfig(web({ backoff: { strategy: 'linear' } }), FILE);
      expect(result.ok && result.config.groups.web?.backoff).to.deep.equal({
        strategy: 'linear',
        initialMs: 1_000,
        incrementMs: 1_000,
        maxMs: 30_000,
      });
    });

    it('gives each group its own default objects, so changing one leaves the others alone', () => {
      const result = validateConfig({ groups: { a: { entry: ENTRY }, b: { entry: ENTRY } } }, FILE);
      if (!result.ok) throw new Error('expected a valid config');
      result.config.groups.a?.args.push('--x');
      expect(result.config.groups.b?.args).to.deep.equal([]);
    });

    it('accepts $schema, count 0 and an integer count', () => {
      expect(validateConfig({ $schema: './s.json', ...web({ count: 0 }) }, FILE).ok).to.equal(true);
      expect(validateConfig(web({ count: 12 }), FILE).ok).to.equal(true);
    });
  });

  describe("scheduling: 'reusePort'", () => {
    it('is accepted on Linux with Node >= 22.12 and refused elsewhere, saying what is needed', () => {
      expect(reusePortProblem('linux', '22.12.0')).to.equal(null);
      expect(reusePortProblem('linux', '24.21.0')).to.equal(null);
      expect(reusePortProblem('linux', '22.11.0')).to.equal(
        "needs Node.js >= 22.12 (this is 22.11.0); use 'round-robin' or 'os'",
      );
      expect(reusePortProblem('darwin', '24.21.0')).to.equal(
        "needs Linux (this is darwin); use 'round-robin' or 'os'",
      );
    });

    it('is a validation error at the key where it cannot work', () => {
      const platform = Object.getOwnPropertyDescriptor(process, 'platform') as PropertyDescriptor;
      Object.defineProperty(process, 'platform', { value: 'darwin' });
      try {
        expect(messageAt(web({ scheduling: 'reusePort' }), 'groups.web.scheduling')).to.equal(
          "'reusePort' needs Linux (this is darwin); use 'round-robin' or 'os'",
        );
      } finally {
        Object.defineProperty(process, 'platform', platform);
      }
      expect(validateConfig(web({ scheduling: 'reusePort' }), FILE).ok).to.equal(
        process.platform === 'linux',
      );
    });
  });

  describe('the bad inputs of the issue, each with its key path', () => {
    it('count: -1', () => {
      expect(messageAt(web({ count: -1 }), 'groups.web.count')).to.equal('must be >= 0, got -1');
    });

    it('count: 1.5', () => {
      expect(messageAt(web({ count: 1.5 }), 'groups.web.count')).to.equal(
        "must be a whole number or 'auto', got 1.5",
      );
    });

    it('an unknown count word', () => {
      expect(messageAt(web({ count: 'all' }), 'groups.web.count')).to.equal(
        `must be an integer >= 0 or 'auto', got "all"`,
      );
    });

    it('an unknown backoff strategy, with a suggestion', () => {
      expect(messageAt(web({ backoff: { strategy: 'exponental' } }), 'groups.web.backoff.strategy')).to.equal(
        `unknown value "exponental"; expected one of 'exponential', 'linear', 'fixed', 'none' (did you mean 'exponential'?)`,
      );
    });

    it('a backoff without a strategy', () => {
      expect(messageAt(web({ backoff: { initialMs: 5 } }), 'groups.web.backoff.strategy')).to.match(
        /^is required; expected/,
      );
    });

    it('a misspelled key, reported at the key with the closest allowed one', () => {
      expect(messageAt(web({ cuont: 2 }), 'groups.web.cuont')).to.equal(
        "unknown key (did you mean 'count'?)",
      );
      expect(messageAt({ ...web({}), wacth: false }, 'wacth')).to.equal(
        "unknown key (did you mean 'watch'?)",
      );
    });

    it('suggests the keys of the backoff strategy in use', () => {
      expect(
        messageAt(web({ backoff: { strategy: 'fixed', delayMS: 5 } }), 'groups.web.backoff.delayMS'),
      ).to.equal("unknown key (did you mean 'delayMs'?)");
      expect(
        messageAt(web({ backoff: { strategy: 'fixed', factor: 2 } }), 'groups.web.backoff.factor'),
      ).to.equal('unknown key; allowed: strategy, delayMs');
    });

    it('a bad enum value, with a suggestion for a shortened word', () => {
      expect(messageAt(web({ ready: { on: 'listen' } }), 'groups.web.ready.on')).to.equal(
        `expected one of 'listening', 'message', got "listen" (did you mean 'listening'?)`,
      );
    });
  });

  describe('cross-field rules', () => {
    it('rejects maxSurge and maxUnavailable both 0, counting the default maxUnavailable', () => {
      expect(messageAt(web({ reload: { maxSurge: 0 } }), 'groups.web.reload.maxSurge')).to.match(
        /cannot both be 0/,
      );
      expect(validateConfig(web({ reload: { maxSurge: 0, maxUnavailable: 1 } }), FILE).ok).to.equal(true);
    });

    it('rejects initialMs above maxMs, for exponential and linear backoff', () => {
      expect(
        messageAt(
          web({ backoff: { strategy: 'exponential', initialMs: 5000, maxMs: 10 } }),
          'groups.web.backoff.initialMs',
        ),
      ).to.equal('must be <= maxMs (10), got 5000');
      expect(
        messageAt(
          web({ backoff: { strategy: 'linear', initialMs: 50_000 } }),
          'groups.web.backoff.initialMs',
        ),
      ).to.equal('must be <= maxMs (30000), got 50000');
    });

    it('requires timeouts > 0 but lets health checks be 0 (off)', () => {
      expect(messageAt(web({ shutdown: { timeoutMs: 0 } }), 'groups.web.shutdown.timeoutMs')).to.equal(
        'must be >= 1, got 0',
      );
      expect(messageAt(web({ ready: { timeoutMs: 0 } }), 'groups.web.ready.timeoutMs')).to.equal(
        'must be >= 1, got 0',
      );
      expect(validateConfig(web({ health: { heartbeatTimeoutMs: 0, maxMemoryMb: 0 } }), FILE).ok).to.equal(
        true,
      );
    });

    it('requires env values to be strings, and says how to fix a number', () => {
      expect(messageAt(web({ env: { PORT: 3000 } }), 'groups.web.env.PORT')).to.equal(
        'expected a string, got 3000 (quote it: "3000")',
      );
    });
  });

  describe('entry', () => {
    it('must exist', () => {
      expect(messageAt(web({ entry: './nope.ts' }), 'groups.web.entry')).to.equal(
        `${join(FIXTURES, 'files', 'nope.ts')} does not exist`,
      );
    });

    it('must be a file, not a folder', () => {
      expect(messageAt(web({ entry: '../app/folder.js' }), 'groups.web.entry')).to.equal(
        `${join(FIXTURES, 'app', 'folder.js')} is not a file`,
      );
    });

    it('must have an extension Node runs', () => {
      expect(messageAt(web({ entry: '../app/server.py' }), 'groups.web.entry')).to.equal(
        'must end in .js .mjs .cjs .ts .mts .cts',
      );
    });
  });

  describe('names and shapes', () => {
    it('restricts group names to letters, digits, - and _', () => {
      expect(messageAt({ groups: { 'my app': { entry: ENTRY } } }, 'groups["my app"]')).to.match(
        /^a group name must start/,
      );
      expect(validateConfig({ groups: { 'api_v2-eu': { entry: ENTRY } } }, FILE).ok).to.equal(true);
    });

    it('requires at least one group', () => {
      expect(messageAt({ groups: {} }, 'groups')).to.equal('define at least one group');
      expect(messageAt({}, 'groups')).to.equal('is required (an object)');
    });

    it('rejects a config that is not an object at the root', () => {
      for (const data of [null, 42, 'groups', [web({})]]) expect(errorsOf(data)[0]?.path).to.equal('');
    });

    it('rejects functions, classes, symbols and class instances with their key paths', () => {
      const errors = errorsOf(
        web({ count: () => 2, handler: class Handler {}, env: { A: Symbol('a') }, at: new Date(0) }),
      );
      expect(errors.map((e) => [e.path, e.message])).to.deep.equal([
        ['groups.web.count', 'is a function (count); a config holds data only, no functions'],
        ['groups.web.handler', 'is a class (Handler); a config holds data only'],
        ['groups.web.env.A', 'is a symbol; a config holds data only'],
        [
          'groups.web.at',
          'is a Date object; a config holds plain objects, arrays, strings, numbers and booleans only',
        ],
      ]);
    });

    it('reports every problem at once', () => {
      const errors = errorsOf({
        groups: { web: { entry: './missing.ts', count: -1, backoff: { strategy: 'nope' }, colour: 'red' } },
        watch: 'yes',
      });
      expect(errors.map((e) => e.path).sort()).to.deep.equal(
        [
          'groups.web.backoff.strategy',
          'groups.web.colour',
          'groups.web.count',
          'groups.web.entry',
          'watch',
        ].sort(),
      );
    });

    it('names the file in every error', () => {
      for (const error of errorsOf(web({ count: -1, x: 1 }))) expect(error.file).to.equal(FILE);
    });
  });
});

describe('formatConfigError', () => {
  it('writes FILE: path.to.key: message', () => {
    expect(
      formatConfigError({
        file: '/a/cluster.config.ts',
        path: 'groups.web.count',
        message: 'must be >= 0, got -1',
      }),
    ).to.equal('/a/cluster.config.ts: groups.web.count: must be >= 0, got -1');
  });

  it('puts a parser position after the file and leaves out an empty path', () => {
    expect(
      formatConfigError({ file: '/a/c.json', path: '', message: 'invalid JSON', line: 3, column: 7 }),
    ).to.equal('/a/c.json:3:7: invalid JSON');
  });
});
