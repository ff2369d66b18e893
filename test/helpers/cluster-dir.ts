import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const APPS = fileURLToPath(new URL('../fixtures/apps/', import.meta.url));

/** A throw-away folder holding one `cluster.config.json`, removed by `remove()`. */
export class ClusterDir {
  readonly path = mkdtempSync(join(tmpdir(), 'orchestrator-test-'));
  readonly configFile = join(this.path, 'cluster.config.json');

  writeConfig(config: unknown): this {
    writeFileSync(this.configFile, `${JSON.stringify(config, null, 2)}\n`);
    return this;
  }

  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

/** A fixture app's absolute path, for `entry`. */
export function app(name: string): string {
  return join(APPS, name);
}
