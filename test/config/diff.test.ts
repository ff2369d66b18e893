import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { diffConfigs, groupRevision } from '../../src/config/diff.ts';
import type { ClusterConfig, ClusterConfigInput } from '../../src/config/schema.ts';
import { validateConfig } from '../../src/config/validate.ts';

const FILE = join(fileURLToPath(new URL('./fixtures/files/', import.meta.url)), 'cluster.config.json');
const ENTRY = '../app/server.ts';

function config(input: ClusterConfigInput): ClusterConfig {
  const result = validateConfig(input, FILE);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.config;
}

const base = config({ groups: { web: { entry: ENTRY, count: 2 }, jobs: { entry: ENTRY, count: 1 } } });

describe('diffConfigs', () => {
  it('reports nothing for equal configs', () => {
    expect(
      diffConfigs(
        base,
        config({ groups: { jobs: { entry: ENTRY, count: 1 }, web: { entry: ENTRY, count: 2 } } }),
      ),
    ).to.deep.equal({
      groups: {},
      watch: false,
      metrics: false,
    });
  });

  it('reports added and removed groups', () => {
    const after = config({ groups: { web: { entry: ENTRY, count: 2 }, api: { entry: ENTRY } } });
    expect(diffConfigs(base, after).groups).to.deep.equal({
      jobs: { kind: 'removed' },
      api: { kind: 'added' },
    });
  });

  it('reports a count change alone', () => {
    const after = config({ groups: { web: { entry: ENTRY, count: 4 }, jobs: { entry: ENTRY, count: 1 } } });
    expect(diffConfigs(base, after).groups).to.deep.equal({
      web: { kind: 'changed', count: true, restart: [], policy: [] },
    });
  });

  it('sorts changed keys into restart-requiring and policy-only', () => {
    const after = config({
      groups: {
        web: {
          entry: ENTRY,
          count: 2,
          env: { PORT: '1' },
          scheduling: 'os',
          backoff: { strategy: 'none' },
          shutdown: { timeoutMs: 5 },
        },
        jobs: { entry: ENTRY, count: 1, ready: { on: 'message' } },
      },
    });
    expect(diffConfigs(base, after).groups).to.deep.equal({
      web: { kind: 'changed', count: false, restart: ['env', 'scheduling'], policy: ['backoff', 'shutdown'] },
      jobs: { kind: 'changed', count: false, restart: [], policy: ['ready'] },
    });
  });

  it('reports a change of metrics', () => {
    expect(diffConfigs(base, { ...base, metrics: { ...base.metrics, port: 9100 } }).metrics).to.equal(true);
  });

  it('reports a change of watch', () => {
    expect(diffConfigs(base, { ...base, watch: false }).watch).to.equal(true);
  });

  it("compares count 'auto' as written, whatever the host's cores", () => {
    const auto = config({ groups: { web: { entry: ENTRY } } });
    expect(
      diffConfigs(auto, config({ groups: { web: { entry: ENTRY, count: 'auto' } } })).groups,
    ).to.deep.equal({});
  });
});

describe('groupRevision', () => {
  const web = base.groups.web;
  if (web === undefined) throw new Error('fixture');

  it('is stable for the same launch fields and ignores env key order', () => {
    const a = { ...web, env: { A: '1', B: '2' } };
    const b = { ...web, env: { B: '2', A: '1' } };
    expect(groupRevision(a)).to.equal(groupRevision(b));
  });

  it('changes with each restart-requiring field', () => {
    const before = groupRevision(web);
    expect(groupRevision({ ...web, entry: '/elsewhere.js' })).to.not.equal(before);
    expect(groupRevision({ ...web, args: ['--x'] })).to.not.equal(before);
    expect(groupRevision({ ...web, execArgv: ['--inspect'] })).to.not.equal(before);
    expect(groupRevision({ ...web, env: { X: '1' } })).to.not.equal(before);
    expect(groupRevision({ ...web, scheduling: 'os' })).to.not.equal(before);
  });

  it('keeps argument order significant', () => {
    expect(groupRevision({ ...web, args: ['a', 'b'] })).to.not.equal(
      groupRevision({ ...web, args: ['b', 'a'] }),
    );
  });

  it('ignores count and policies, which need no new processes', () => {
    expect(
      groupRevision({ ...web, count: 9, shutdown: { timeoutMs: 1, longLived: { spreadMs: 0 } } }),
    ).to.equal(groupRevision(web));
  });
});
