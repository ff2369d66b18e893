import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { watchConfigFile } from '../../src/primary/config-watch.ts';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('watching the config file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'watch-test-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('sees saves in place and atomic saves (rename over), once per burst', async () => {
    const file = join(dir, 'cluster.config.json');
    writeFileSync(file, '{}');
    let calls = 0;
    const watch = watchConfigFile(file, () => calls++, 50);
    try {
      for (let i = 0; i < 5; i++) writeFileSync(file, `{"n":${i}}`);
      await tick(300);
      expect(calls).to.equal(1);
      for (let round = 0; round < 3; round++) {
        writeFileSync(`${file}.tmp`, `{"round":${round}}`);
        renameSync(`${file}.tmp`, file);
        await tick(300);
      }
      expect(calls).to.equal(4);
    } finally {
      watch.close();
    }
  });

  it('ignores other files in the folder', async () => {
    const file = join(dir, 'cluster.config.json');
    writeFileSync(file, '{}');
    let calls = 0;
    const watch = watchConfigFile(file, () => calls++, 50);
    try {
      writeFileSync(join(dir, 'notes.txt'), 'hello');
      await tick(300);
      expect(calls).to.equal(0);
    } finally {
      watch.close();
    }
  });
});
