import { expect } from 'chai';
import { ClusterDir } from './cluster-dir.ts';
import { UpProcess } from './up-process.ts';

export interface ClusterFixture {
  /** Writes `config` as the test's cluster.config.json and starts `orchestrator up` on it (each run is cleaned up). */
  start(config: unknown, env?: Record<string, string>, wrapper?: readonly string[]): UpProcess;
  readonly dir: ClusterDir;
}

/**
 * Mocha hooks for a test that runs a real cluster: a fresh folder per test, and afterwards a graceful stop
 * followed by the check that no process of the run outlived its primary (then a hard clean-up either way).
 */
export function useCluster(): ClusterFixture {
  let dir: ClusterDir | undefined;
  let started: UpProcess[] = [];
  beforeEach(() => {
    dir = new ClusterDir();
  });
  afterEach(async () => {
    const runs = started;
    started = [];
    try {
      const leftovers = (await Promise.all(runs.map((up) => up.cleanup()))).flatMap((r) => r.leftovers);
      expect(leftovers, 'processes that outlived their primary').to.deep.equal([]);
    } finally {
      dir?.remove();
    }
  });
  return {
    get dir() {
      if (!dir) throw new Error('useCluster: no test is running');
      return dir;
    },
    start(config, env, wrapper) {
      const current = this.dir.writeConfig(config);
      const up = UpProcess.start(current.configFile, {
        cwd: current.path,
        ...(env ? { env } : {}),
        ...(wrapper ? { wrapper } : {}),
      });
      started.push(up);
      return up;
    },
  };
}
