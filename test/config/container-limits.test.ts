import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { resolveAutoSettings } from '../../src/config/auto-settings.ts';
import { parseCpuMax, readCapacity, readCgroupLimits } from '../../src/config/container-limits.ts';
import { resolveMaxMemoryMb } from '../../src/config/count.ts';

describe('container limits', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'fake-cgroup-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const write = (dir: string, file: string, text: string): void => {
    mkdirSync(join(root, dir), { recursive: true });
    writeFileSync(join(root, dir, file), text);
  };

  it('parses cpu.max: a quota and period, or max for no limit', () => {
    expect(parseCpuMax('200000 100000\n')).to.deep.equal({ quota: 200000, period: 100000 });
    expect(parseCpuMax('max 100000\n')).to.equal(null);
    expect(parseCpuMax(null)).to.equal(null);
  });

  it("walks from the process's cgroup up to the root and keeps the tightest limit", () => {
    write('/', 'cpu.max', 'max 100000\n');
    write('/kubepods/pod1', 'cpu.max', '150000 100000\n');
    write('/kubepods/pod1', 'memory.max', '536870912\n');
    write('/kubepods/pod1/app', 'cpu.max', 'max 100000\n');
    write('/kubepods/pod1/app', 'memory.max', 'max\n');
    const limits = readCgroupLimits({ root, procCgroup: '4:memory:/x\n0::/kubepods/pod1/app\n' });
    expect(limits).to.deep.equal({ cpu: { quota: 150000, period: 100000 }, memoryBytes: 536870912 });
  });

  it('rounds a fractional quota down, at least 1, and never above the CPUs affinity allows', () => {
    const capacity = (quota: string, parallelism: number) => {
      write('/', 'cpu.max', quota);
      return readCapacity({
        env: { ORCHESTRATOR_CGROUP_ROOT: root },
        parallelism,
        procCgroup: () => '0::/\n',
      });
    };
    expect(capacity('250000 100000', 8).cpus).to.deep.equal({
      value: 2,
      reason: 'cgroup cpu.max 250000/100000',
    });
    expect(capacity('50000 100000', 8).cpus).to.deep.equal({
      value: 1,
      reason: 'cgroup cpu.max 50000/100000',
    });
    expect(capacity('400000 100000', 2).cpus).to.deep.equal({
      value: 2,
      reason: 'os.availableParallelism() 2',
    });
    expect(capacity('max 100000', 3).cpus).to.deep.equal({ value: 3, reason: 'os.availableParallelism() 3' });
  });

  it("divides 0.8 of the memory limit among every group's workers, off without a limit", () => {
    write('/', 'memory.max', String(1000 * 1024 * 1024));
    const capacity = readCapacity({
      env: { ORCHESTRATOR_CGROUP_ROOT: root },
      parallelism: 2,
      procCgroup: () => '',
    });
    expect(resolveMaxMemoryMb(capacity, 4).value).to.equal(200);
    const groups = {
      web: { count: 'auto' as const, health: { maxMemoryMb: 'auto' as const } },
      jobs: { count: 2, health: { maxMemoryMb: 100 } },
    };
    const settings = resolveAutoSettings({ groups } as never, capacity);
    expect(settings.web?.count?.value).to.equal(2);
    expect(settings.web?.maxMemoryMb?.value).to.equal(Math.floor((1000 * 0.8) / 4));
    expect(settings.jobs).to.deep.equal({});

    rmSync(join(root, 'memory.max'));
    const unlimited = readCapacity({
      env: { ORCHESTRATOR_CGROUP_ROOT: root },
      parallelism: 2,
      procCgroup: () => '',
    });
    expect(resolveMaxMemoryMb(unlimited, 4)).to.deep.equal({
      value: 0,
      reason: 'off: no container memory limit',
    });
  });
});
