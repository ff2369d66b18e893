import { expect } from 'chai';
import { parseUpgrade } from '../../../src/primary/control/server.ts';

describe('control: POST /upgrade body', () => {
  it('takes an empty body, a timeout and a node path', () => {
    expect(parseUpgrade({})).to.deep.equal({});
    expect(parseUpgrade({ timeoutMs: 5000, node: '/usr/bin/node' })).to.deep.equal({
      timeoutMs: 5000,
      node: '/usr/bin/node',
    });
  });

  it('says what is wrong with a bad one', () => {
    expect(parseUpgrade([])).to.match(/JSON object/);
    expect(parseUpgrade({ timeoutMs: -1 })).to.match(/timeoutMs/);
    expect(parseUpgrade({ timeoutMs: 1.5 })).to.match(/timeoutMs/);
    expect(parseUpgrade({ node: '' })).to.match(/node/);
  });
});
