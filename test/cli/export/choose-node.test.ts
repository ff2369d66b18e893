import { expect } from 'chai';
import { chooseNode, type NodeProbe } from '../../../src/cli/export/choose-node.ts';

/** A machine with these node binaries (path -> `node --version`). */
function machine(binaries: Record<string, string>): NodeProbe {
  return {
    version: (binary) => binaries[binary] ?? null,
    executable: (file) => Object.hasOwn(binaries, file),
  };
}

const LOCAL = '/srv/app/node_modules/node/bin/node';

describe('the node a systemd unit runs', () => {
  it('is the first recent node on PATH, not the project-local one running the command', () => {
    const probe = machine({
      '/usr/local/bin/node': 'v24.1.0',
      '/usr/bin/node': 'v22.18.0',
      [LOCAL]: 'v24.2.0',
    });
    const choice = chooseNode('/srv/app/node_modules/.bin:/usr/local/bin:/usr/bin', LOCAL, probe);
    expect(choice).to.deep.equal({
      node: '/usr/local/bin/node',
      version: 'v24.1.0',
      why: 'the first node on PATH',
      warning: null,
    });
  });

  it('skips a node on PATH older than the package supports', () => {
    const probe = machine({
      '/usr/bin/node': 'v20.20.2',
      '/opt/node/bin/node': 'v22.18.1',
      [LOCAL]: 'v24.2.0',
    });
    expect(chooseNode('/usr/bin:/opt/node/bin', LOCAL, probe).node).to.equal('/opt/node/bin/node');
  });

  it('falls back to the running node, warning when it lives in node_modules', () => {
    const probe = machine({ '/usr/bin/node': 'v20.20.2', [LOCAL]: 'v24.2.0' });
    const choice = chooseNode('/usr/bin', LOCAL, probe);
    expect(choice.node).to.equal(LOCAL);
    expect(choice.warning).to.equal(
      'it is inside node_modules (a project-local install), gone after `npm ci --omit=dev`: install Node >= 22.18 on the server and edit ExecStart (on PATH, /usr/bin/node is v20.20.2: older than v22.18)',
    );
  });

  it('takes the running node without a warning when it is a stable one and PATH has none', () => {
    const probe = machine({ '/opt/node24/bin/node': 'v24.0.0' });
    expect(chooseNode('', '/opt/node24/bin/node', probe)).to.deep.equal({
      node: '/opt/node24/bin/node',
      version: 'v24.0.0',
      why: 'the node running this command',
      warning: null,
    });
  });
});
