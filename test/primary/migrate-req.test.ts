import { expect } from 'chai';
import { validateConfig } from '../../src/config/validate.ts';
import {
  MIGRATE_REQ_SYSCTL,
  migratesRequests,
  reusePortWarning,
  upgradeCaveat,
} from '../../src/primary/migrate-req.ts';

describe('reusePort and net.ipv4.tcp_migrate_req', () => {
  const config = (scheduling: string) => {
    const result = validateConfig(
      { groups: { web: { entry: 'test/fixtures/apps/http-info.ts', scheduling } } },
      `${process.cwd()}/c.json`,
    );
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    return result.config;
  };

  it('reads the sysctl: 0 drops, 1 migrates, unreadable is unknown', () => {
    const reads: string[] = [];
    expect(
      migratesRequests((path) => {
        reads.push(path);
        return '0\n';
      }),
    ).to.equal(false);
    expect(migratesRequests(() => '1\n')).to.equal(true);
    expect(
      migratesRequests(() => {
        throw new Error('ENOENT');
      }),
    ).to.equal(null);
    expect(reads).to.deep.equal([MIGRATE_REQ_SYSCTL]);
  });

  it('warns only for a reusePort group on a kernel known to drop the queued connections', () => {
    expect(reusePortWarning(config('reusePort'), () => false)).to.match(
      /^web: with scheduling 'reusePort'.*net\.ipv4\.tcp_migrate_req=1/,
    );
    expect(reusePortWarning(config('reusePort'), () => true)).to.equal(null);
    expect(reusePortWarning(config('reusePort'), () => null)).to.equal(null);
    expect(reusePortWarning(config('round-robin'), () => false)).to.equal(null);
  });

  it('warns before an upgrade of a reusePort group on such a kernel: each old worker closes its own socket', () => {
    expect(upgradeCaveat(config('reusePort'), () => false)).to.match(
      /^web: with scheduling 'reusePort', each old worker closes its own socket.*net\.ipv4\.tcp_migrate_req=1/,
    );
    expect(upgradeCaveat(config('reusePort'), () => true)).to.equal(null);
    expect(upgradeCaveat(config('os'), () => false)).to.equal(null);
  });
});
