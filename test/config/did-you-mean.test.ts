import { expect } from 'chai';
import { didYouMean, editDistance } from '../../src/config/did-you-mean.ts';

describe('editDistance', () => {
  it('counts insertions, deletions and substitutions', () => {
    expect(editDistance('count', 'count')).to.equal(0);
    expect(editDistance('cont', 'count')).to.equal(1);
    expect(editDistance('counts', 'count')).to.equal(1);
    expect(editDistance('mount', 'count')).to.equal(1);
    expect(editDistance('', 'env')).to.equal(3);
  });

  it('counts two swapped neighbours as one edit', () => {
    expect(editDistance('cuont', 'count')).to.equal(1);
  });
});

describe('didYouMean', () => {
  const groupKeys = ['entry', 'count', 'scheduling', 'env', 'args', 'execArgv', 'ready', 'backoff'];

  it('suggests the closest key for a typo', () => {
    expect(didYouMean('cuont', groupKeys)).to.equal('count');
    expect(didYouMean('entyr', groupKeys)).to.equal('entry');
    expect(didYouMean('exec_argv', groupKeys)).to.equal('execArgv');
  });

  it('suggests a key that differs only in case', () => {
    expect(didYouMean('ENV', groupKeys)).to.equal('env');
  });

  it('suggests a word that was cut short', () => {
    expect(didYouMean('sched', groupKeys)).to.equal('scheduling');
  });

  it('suggests nothing when no key is close', () => {
    expect(didYouMean('port', groupKeys)).to.equal(undefined);
    expect(didYouMean('xyz', groupKeys)).to.equal(undefined);
  });
});
