import { expect } from 'chai';
import { configSchema } from '../../src/config/schema.ts';
import { LaunchTable } from '../../src/primary/launch-table.ts';

function launchEnv(input: unknown): Record<string, string | undefined> {
  const config = configSchema.parse(input);
  const table = new LaunchTable();
  const specs = table.apply(config);
  return { ...table.get('web', specs.web?.revision ?? '')?.env };
}

describe('LaunchTable', () => {
  it('asks the workers to count requests only when metrics.http or recycle.afterRequests needs it', () => {
    const group = { entry: './server.js', count: 1 };
    expect(launchEnv({ groups: { web: group } })).to.not.have.property('ORCHESTRATOR_HTTP_STATS');
    expect(launchEnv({ groups: { web: { ...group, recycle: { afterMs: 1000 } } } })).to.not.have.property(
      'ORCHESTRATOR_HTTP_STATS',
    );
    expect(launchEnv({ groups: { web: group }, metrics: { http: true } })).to.have.property(
      'ORCHESTRATOR_HTTP_STATS',
      '1',
    );
    expect(launchEnv({ groups: { web: { ...group, recycle: { afterRequests: 100 } } } })).to.have.property(
      'ORCHESTRATOR_HTTP_STATS',
      '1',
    );
  });
});
