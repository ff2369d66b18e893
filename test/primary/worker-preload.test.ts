import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { preloadExecArgv, spareBootExecArgv, workerPreload } from '../../src/primary/worker-preload.ts';

describe('worker preload', () => {
  it("loads a boot spare's ES module preload with --import, beside the CommonJS runtime or the sources", () => {
    expect(spareBootExecArgv('/app/dist/worker-cjs/preload.js')).to.deep.equal([
      '--import',
      '/app/dist/worker/spare-boot.js',
    ]);
    expect(spareBootExecArgv('/app/src/worker/preload.ts')).to.deep.equal([
      '--import',
      '/app/src/worker/spare-boot.ts',
    ]);
    expect(preloadExecArgv('/app/dist/worker-cjs/preload.js')[0]).to.equal('--require');
  });

  it('finds both preloads in the build (npm test builds first) and in the sources', () => {
    const built = workerPreload(pathToFileURL(`${process.cwd()}/dist/primary/run-cluster.js`).href);
    const source = workerPreload(pathToFileURL(`${process.cwd()}/src/primary/run-cluster.ts`).href);
    for (const preload of [built, source]) {
      expect(existsSync(preload), preload).to.equal(true);
      const spareBoot = spareBootExecArgv(preload)[1] as string;
      expect(existsSync(spareBoot), spareBoot).to.equal(true);
    }
  });
});
