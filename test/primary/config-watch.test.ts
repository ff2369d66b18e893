import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { linkChain } from '../../src/primary/config-link.ts';
import { watchConfigFile } from '../../src/primary/config-watch.ts';
import { eventually } from '../helpers/load.ts';

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
    const watch = watchConfigFile(file, () => calls++, { debounceMs: 50 });
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
    const watch = watchConfigFile(file, () => calls++, { debounceMs: 50 });
    try {
      writeFileSync(join(dir, 'notes.txt'), 'hello');
      await tick(300);
      expect(calls).to.equal(0);
    } finally {
      watch.close();
    }
  });

  /** Watches `file`, counting calls; `calls(n)` waits (bounded) for the n-th and checks no more come. */
  function counting(file: string, pollMs = 1000) {
    let calls = 0;
    const watch = watchConfigFile(file, () => calls++, { debounceMs: 50, pollMs });
    return {
      watch,
      get calls() {
        return calls;
      },
      async expectCalls(n: number) {
        await eventually(async () => expect(calls).to.equal(n), 5000, 20);
        await tick(300);
        expect(calls).to.equal(n);
      },
    };
  }

  it('follows a Kubernetes ConfigMap mount: ..data swapped to a new folder, then that folder re-armed', async () => {
    // cluster.config.json -> ..data/cluster.config.json, ..data -> ..v1 (as the kubelet lays it out).
    mkdirSync(join(dir, '..v1'));
    writeFileSync(join(dir, '..v1', 'cluster.config.json'), '{"v":1}');
    symlinkSync('..v1', join(dir, '..data'));
    symlinkSync('..data/cluster.config.json', join(dir, 'cluster.config.json'));
    const file = join(dir, 'cluster.config.json');
    expect(linkChain(file)).to.deep.equal({
      real: join(dir, '..v1', 'cluster.config.json'),
      folders: [dir, join(dir, '..v1')],
    });
    const watched = counting(file);
    try {
      // The kubelet's update: a new timestamped folder, a new link, renamed over ..data, the old folder gone.
      mkdirSync(join(dir, '..v2'));
      writeFileSync(join(dir, '..v2', 'cluster.config.json'), '{"v":2}');
      symlinkSync('..v2', join(dir, '..data_tmp'));
      renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
      rmSync(join(dir, '..v1'), { recursive: true });
      await watched.expectCalls(1);
      expect(linkChain(file).folders).to.deep.equal([dir, join(dir, '..v2')]);
      // The new real folder is watched now.
      writeFileSync(join(dir, '..v2', 'cluster.config.json'), '{"v":2.1}');
      await watched.expectCalls(2);
    } finally {
      watched.watch.close();
    }
  });

  it('follows a deploy tool retargeting a parent link (current -> releases/N)', async () => {
    for (const n of [1, 2]) {
      mkdirSync(join(dir, 'releases', String(n)), { recursive: true });
      writeFileSync(join(dir, 'releases', String(n), 'cluster.config.json'), `{"release":${n}}`);
    }
    symlinkSync('releases/1', join(dir, 'current'));
    const file = join(dir, 'current', 'cluster.config.json');
    const watched = counting(file);
    try {
      // `ln -sfn releases/2 current`, atomically: a new link renamed over the old one.
      symlinkSync('releases/2', join(dir, 'current.tmp'));
      renameSync(join(dir, 'current.tmp'), join(dir, 'current'));
      await watched.expectCalls(1);
      writeFileSync(join(dir, 'releases', '2', 'cluster.config.json'), '{"release":2.1}');
      await watched.expectCalls(2);
      // An edit of the release no longer current is not an edit of the config.
      writeFileSync(join(dir, 'releases', '1', 'cluster.config.json'), '{"release":1.1}');
      await watched.expectCalls(2);
    } finally {
      watched.watch.close();
    }
  });

  it('waits out a deleted file and sees it created again (once)', async () => {
    const file = join(dir, 'cluster.config.json');
    writeFileSync(file, '{}');
    const watched = counting(file);
    try {
      unlinkSync(file);
      await watched.expectCalls(0);
      writeFileSync(file, '{"again":true}');
      await watched.expectCalls(1);
    } finally {
      watched.watch.close();
    }
  });

  it('sees the file again after its folder was removed and created again; polls change nothing on their own', async () => {
    const sub = join(dir, 'conf');
    mkdirSync(sub);
    const file = join(sub, 'cluster.config.json');
    writeFileSync(file, '{}');
    const watched = counting(file, 100);
    try {
      await tick(500);
      expect(watched.calls).to.equal(0);
      rmSync(sub, { recursive: true });
      await watched.expectCalls(0);
      mkdirSync(sub);
      writeFileSync(file, '{"back":true}');
      await watched.expectCalls(1);
    } finally {
      watched.watch.close();
    }
  });

  it('says once that the file is gone when its folder is removed or renamed away, and sees it back', async () => {
    const sub = join(dir, 'conf');
    mkdirSync(sub);
    const file = join(sub, 'cluster.config.json');
    writeFileSync(file, '{}');
    let gone = 0;
    let calls = 0;
    const watch = watchConfigFile(file, () => calls++, { debounceMs: 50, pollMs: 100, gone: () => gone++ });
    try {
      renameSync(sub, join(dir, 'moved'));
      await eventually(async () => expect(gone).to.equal(1), 5000, 20);
      // An edit in the folder renamed away is not an edit of the config; polls say nothing more.
      writeFileSync(join(dir, 'moved', 'cluster.config.json'), '{"moved":true}');
      await tick(500);
      expect({ gone, calls }).to.deep.equal({ gone: 1, calls: 0 });
      renameSync(join(dir, 'moved'), sub);
      await eventually(async () => expect(calls).to.equal(1), 5000, 20);
      rmSync(sub, { recursive: true });
      await eventually(async () => expect(gone).to.equal(2), 5000, 20);
      await tick(300);
      expect({ gone, calls }).to.deep.equal({ gone: 2, calls: 1 });
    } finally {
      watch.close();
    }
  });
});
