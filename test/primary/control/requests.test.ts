import { expect } from 'chai';
import { MAX_SCALE_COUNT, parseCounts, parseGroups } from '../../../src/primary/control/server.ts';

describe('control requests', () => {
  it('take the groups to reload, none meaning all', () => {
    expect(parseGroups({})).to.deep.equal([]);
    expect(parseGroups({ groups: ['web', 'api'] })).to.deep.equal(['web', 'api']);
    expect(parseGroups({ groups: 'web' })).to.be.a('string');
    expect(parseGroups({ groups: [1] })).to.be.a('string');
    expect(parseGroups([])).to.be.a('string');
  });

  it('take whole counts from 0 to the maximum, and nothing else', () => {
    expect(parseCounts({ counts: { web: 0, api: MAX_SCALE_COUNT } })).to.deep.equal({
      web: 0,
      api: MAX_SCALE_COUNT,
    });
    for (const bad of [-1, 1.5, MAX_SCALE_COUNT + 1, '3', null, Number.NaN]) {
      expect(parseCounts({ counts: { web: bad } }), String(bad)).to.be.a('string');
    }
    expect(parseCounts({ counts: {} })).to.be.a('string');
    expect(parseCounts({ web: 3 })).to.be.a('string');
  });
});
