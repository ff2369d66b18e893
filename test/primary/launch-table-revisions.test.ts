import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import type { ClusterConfig } from '../../src/config/schema.ts';
import { validateConfig } from '../../src/config/validate.ts';
import { revisionsInUse } from '../../src/policies/view.ts';
import { LaunchTable } from '../../src/primary/launch-table.ts';
import { Simulator } from '../policies/simulator.ts';

/** A config file next to the fixture apps, so `entry` resolves (validation checks it exists). */
const APPS_CONFIG = fileURLToPath(new URL('../fixtures/apps/cluster.config.json', import.meta.url));

function config(marker: string): ClusterConfig {
  const result = validateConfig(
    {
      groups: {
        web: {
          entry: 'http-info.ts',
          count: 1,
          env: { MARKER: marker },
          // The old worker goes first, so a rollback has to fork the old settings again.
          reload: { maxSurge: 0, maxUnavailable: 1 },
        },
      },
    },
    APPS_CONFIG,
  );
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.config;
}

describe('launch table: the settings a fork needs are kept, however many edits', () => {
  it('five edits saved during one slow roll, then a failing worker: the rollback forks the first settings', () => {
    const table = new LaunchTable();
    const markerOf = new Map<string, string>();
    const missing: string[] = [];
    const forkedMarkers: string[] = [];
    // Workers of the first settings start; the edits' workers never get ready; the last one's crash.
    const sim = new Simulator(1, (fork) => {
      const marker = markerOf.get(fork.revision);
      if (marker === 'zero') return {};
      if (marker === 'five') return { exitAfterMs: 20, exitCode: 1 };
      return { readyAfterMs: null };
    });
    sim.observer = (_event, actions) => {
      for (const action of actions) {
        if (action.type !== 'fork') continue;
        const launch = table.get(action.group, action.revision);
        if (launch === undefined) missing.push(action.revision);
        else forkedMarkers.push(launch.env.MARKER ?? '');
      }
    };
    const apply = (marker: string, request: number) => {
      const cfg = config(marker);
      const groups = table.apply(cfg);
      for (const spec of Object.values(groups)) markerOf.set(spec.revision, marker);
      sim.send({ type: 'config-applied', groups, request, roll: [] });
      table.retain(revisionsInUse(sim.state));
      sim.advance(100);
    };

    apply('zero', 1);
    for (const [n, marker] of ['one', 'two', 'three', 'four', 'five'].entries()) apply(marker, n + 2);
    sim.advance(1000);

    expect(missing, 'forks with no launch settings').to.deep.equal([]);
    expect(sim.lines(['report']).some((line) => line.includes('reload-aborted web'))).to.equal(true);
    expect(forkedMarkers.at(-1)).to.equal('zero');
    expect(sim.liveWorkers().map((f) => markerOf.get(f.revision))).to.deep.equal(['zero']);
  });

  it('forgets the revisions nothing can fork any more', () => {
    const table = new LaunchTable();
    const sim = new Simulator();
    const revisions: string[] = [];
    for (const [n, marker] of ['a', 'b', 'c'].entries()) {
      const groups = table.apply(config(marker));
      revisions.push(groups.web?.revision ?? '');
      sim.send({ type: 'config-applied', groups, request: n + 1, roll: [] });
      sim.advance(1000);
      table.retain(revisionsInUse(sim.state));
    }
    // Each roll finished before the next edit: only the last settings are running or can be rolled back to.
    expect(revisions.map((r) => table.get('web', r) !== undefined)).to.deep.equal([false, false, true]);
  });
});
