import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { Deployment, type IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import {
  type IPodDisruptionBudget,
  PodDisruptionBudget,
} from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { type IService, Service } from 'kubernetes-models/v1/Service';
import { parseAllDocuments } from 'yaml';
import { kubernetesManifests } from '../../../src/cli/export/kubernetes-manifests.ts';
import { systemdUnit } from '../../../src/cli/export/systemd-unit.ts';
import { loadConfig } from '../../../src/config/load.ts';
import { orchestrator, orchestratorInProcess } from '../../helpers/cli.ts';

const SHOP = fileURLToPath(new URL('./fixtures/shop/', import.meta.url));
const GOLDEN = fileURLToPath(new URL('./golden/', import.meta.url));
const CLI = fileURLToPath(new URL('../../../src/cli/main.ts', import.meta.url));

/** Runs `orchestrator ARGV` in this process, capturing what it prints. */
const cli = (argv: string[], cwd = SHOP) => orchestratorInProcess(argv, cwd);

/**
 * Compares with the checked-in file. After an intended change, regenerate with
 * `UPDATE_GOLDEN=1 npx mocha test/cli/export/export.test.ts` and review the diff.
 */
function expectGolden(name: string, actual: string): void {
  const file = join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, actual);
  expect(actual, `${name} (UPDATE_GOLDEN=1 rewrites it)`).to.equal(readFileSync(file, 'utf8'));
}

async function shopConfig() {
  const loaded = await loadConfig({ cwd: SHOP });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  return loaded.config;
}

/** Fixed paths, so the golden files do not depend on where the repository is checked out. */
const FIXED = {
  configFile: '/srv/shop/cluster.config.json',
  node: '/usr/bin/node',
  cli: '/srv/shop/node_modules/cluster-orchestrator/dist/cli/main.js',
  workingDirectory: '/srv/shop',
  user: 'shop',
};

/** `systemd-analyze verify`: its exit code and what it printed (it warns about bad keys but still exits 0). */
function verifyUnit(text: string): { status: number | null; output: string } | null {
  if (spawnSync('systemd-analyze', ['--version']).error) return null;
  const dir = mkdtempSync(join(tmpdir(), 'orchestrator-unit-'));
  try {
    const unit = join(dir, 'orchestrator-shop.service');
    writeFileSync(unit, text);
    const result = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
    return { status: result.status, output: `${result.stdout}${result.stderr}`.trim() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function validateManifest(doc: Record<string, unknown>): void {
  switch (doc.kind) {
    case 'Deployment':
      new Deployment(doc).validate();
      return;
    case 'Service':
      new Service(doc).validate();
      return;
    case 'PodDisruptionBudget':
      new PodDisruptionBudget(doc).validate();
      return;
    default:
      throw new Error(`unexpected kind ${String(doc.kind)}`);
  }
}

describe('orchestrator export', function () {
  this.timeout(30_000);

  describe('systemd', () => {
    it('matches the golden unit for a known config', async () => {
      expectGolden('shop.service', systemdUnit(await shopConfig(), FIXED));
    });

    it('derives the stop timeout from every reload order drained in turn and keeps reload, readiness and restart limits', async () => {
      const unit = systemdUnit(await shopConfig(), FIXED);
      // Shutdown drains order 1 (jobs: 45500 ms -> 46 s) then order 0 (web: 20 s, admin_api: 10 s by default),
      // 1 s of kill margin each, plus 5 s for the primary: (46 + 1) + (20 + 1) + 5.
      expect(unit).to.match(/^TimeoutStopSec=73$/m);
      expect(unit).to.match(/^Type=notify$/m);
      expect(unit).to.match(/^NotifyAccess=all$/m);
      expect(unit).to.match(/^ExecReload=\/bin\/kill -HUP \$MAINPID$/m);
      expect(unit).to.match(/^KillMode=mixed$/m);
      expect(unit).to.match(/^Restart=on-failure$/m);
      expect(unit).to.match(/^StartLimitBurst=5$/m);
      // admin_api: ready.timeoutMs 75 s + 30 s.
      expect(unit).to.match(/^TimeoutStartSec=105$/m);
    });

    it('prints a unit for the discovered config that systemd-analyze verify accepts without a warning', async () => {
      // A stable node on PATH (here: a link to this one) is chosen over the one running the command.
      const bin = mkdtempSync(join(tmpdir(), 'orchestrator-path-'));
      symlinkSync(process.execPath, join(bin, 'node'));
      try {
        const { code, stdout, stderr } = await orchestrator(['export', 'systemd'], SHOP, 60_000, {
          PATH: bin,
        });
        expect(code, stderr).to.equal(0);
        expect(stdout).to.include(
          `ExecStart=${join(bin, 'node')} ${CLI} up -c ${join(SHOP, 'cluster.config.json')}`,
        );
        const user = process.env.SUDO_USER || userInfo().username;
        expect(stdout).to.include(`\nUser=${user}\n`);
        expect(stderr).to.equal(
          `orchestrator export: ExecStart runs ${join(bin, 'node')} ${process.version} (the first node on PATH); User=${user} (you; --user NAME to change)\n`,
        );
        const verified = verifyUnit(stdout);
        if (verified === null) {
          console.warn('      (systemd-analyze is not installed here: the unit was not verified)');
          return;
        }
        expect(verified).to.deep.equal({ status: 0, output: '' });
      } finally {
        rmSync(bin, { recursive: true, force: true });
      }
    });

    it('runs as the user given with --user', async () => {
      const { code, stdout, stderr } = await cli(['export', 'systemd', '--user', 'www-data']);
      expect(code).to.equal(0);
      expect(stdout).to.include('\nUser=www-data\n');
      expect(stderr).to.include('; User=www-data\n');
      expect((await cli(['export', 'systemd', '--user', 'a b'])).code).to.equal(2);
      expect((await cli(['export', 'kubernetes', '--image', 'x', '--user', 'a'])).code).to.equal(2);
    });

    it('would notice a broken unit (the verify check above can fail)', () => {
      const verified = verifyUnit('[Service]\nExecStart=/bin/true\nTimeoutStopSecs=5\n');
      if (verified === null) {
        console.warn('      (systemd-analyze is not installed here: nothing to check)');
        return;
      }
      expect(verified.output).to.include("Unknown key 'TimeoutStopSecs'");
    });
  });

  describe('kubernetes', () => {
    it('matches the golden manifests for a known config', async () => {
      const manifests = kubernetesManifests(await shopConfig(), {
        name: 'shop',
        image: 'registry.example/shop:1.4.2',
        replicas: 3,
        configFile: FIXED.configFile,
      });
      const { stdout } = await cli([
        'export',
        'kubernetes',
        '--image',
        'registry.example/shop:1.4.2',
        '--replicas',
        '3',
      ]);
      expectGolden('shop.yaml', stdout);
      expect(parseAllDocuments(stdout).map((d) => d.toJS())).to.deep.equal(
        JSON.parse(JSON.stringify(manifests)),
      );
    });

    it('produces manifests valid against the Kubernetes OpenAPI schemas', async () => {
      const { code, stdout } = await cli(['export', 'kubernetes', '--image', 'shop:latest']);
      expect(code).to.equal(0);
      const docs = parseAllDocuments(stdout).map((d) => d.toJS() as Record<string, unknown>);
      expect(docs.map((d) => d.kind)).to.deep.equal(['Deployment', 'Service', 'PodDisruptionBudget']);
      for (const doc of docs) validateManifest(doc);
    });

    it('would reject an invalid manifest (the schema check above can fail)', async () => {
      const [deployment] = kubernetesManifests(await shopConfig(), {
        name: 'shop',
        image: 'x',
        replicas: 1,
        configFile: FIXED.configFile,
      });
      const broken = JSON.parse(JSON.stringify(deployment).replace('"replicas":1', '"replicas":"one"'));
      expect(() => validateManifest(broken)).to.throw(/replicas/);
    });

    it('maps reload, drain, probes and declared ports onto the Deployment and Service', async () => {
      const [deployment, service, budget] = kubernetesManifests(await shopConfig(), {
        name: 'shop',
        image: 'x',
        replicas: 3,
        configFile: FIXED.configFile,
      }) as unknown as [IDeployment, IService, IPodDisruptionBudget];
      const spec = deployment.spec;
      const container = spec?.template.spec?.containers[0];
      // The smallest maxSurge (admin_api: 1) and maxUnavailable (admin_api: 0) of any group.
      expect(spec?.strategy?.rollingUpdate).to.deep.equal({ maxSurge: 1, maxUnavailable: 0 });
      // preStop 5 s + order 1's drain (jobs: 46 s + 1 s) + order 0's (web: 20 s + 1 s) + 5 s.
      expect(spec?.template.spec?.terminationGracePeriodSeconds).to.equal(78);
      expect(spec?.progressDeadlineSeconds).to.equal(300);
      expect(container?.args).to.deep.equal(['up', '-c', 'cluster.config.json']);
      expect(container?.readinessProbe?.httpGet).to.deep.equal({ path: '/readyz', port: 'metrics' });
      expect(container?.livenessProbe?.httpGet).to.deep.equal({ path: '/healthz', port: 'metrics' });
      expect(container?.env).to.deep.include({ name: 'ORCHESTRATOR_METRICS_HOST', value: '0.0.0.0' });
      // web and admin_api share 3000; admin_api also declares ADMIN_PORT.
      expect(service.spec?.ports?.map((p) => [p.name, p.port])).to.deep.equal([
        ['web', 3000],
        ['admin-api-admin', 9100],
      ]);
      expect(budget.spec?.maxUnavailable).to.equal(1);
    });

    it('exits 2 without --image, with a bad --replicas or an unknown target; 1 for an invalid config', async () => {
      expect((await cli(['export', 'kubernetes'])).stderr).to.include('kubernetes needs --image IMAGE');
      expect((await cli(['export', 'kubernetes'])).code).to.equal(2);
      expect((await cli(['export', 'kubernetes', '--image', 'x', '--replicas', '0'])).code).to.equal(2);
      expect((await cli(['export', 'nomad'])).code).to.equal(2);
      expect((await cli(['export'])).code).to.equal(2);
      expect((await cli(['export', 'systemd', '--image', 'x'])).code).to.equal(2);
      const dir = mkdtempSync(join(tmpdir(), 'orchestrator-export-'));
      try {
        writeFileSync(join(dir, 'cluster.config.json'), '{"groups":{}}');
        const invalid = await cli(['export', 'systemd'], dir);
        expect(invalid.code).to.equal(1);
        expect(invalid.stderr).to.include('define at least one group');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      expect(existsSync(GOLDEN)).to.equal(true);
    });
  });
});
