import { expect } from 'chai';
import { colorsEnabled, fnv1a, groupColor } from '../../../src/primary/logging/colors.ts';

const ESC = '\u001b[';

describe('colors', () => {
  describe('colorsEnabled', () => {
    const tty = { isTTY: true };
    const pipe = { isTTY: false };

    it('colors a terminal', () => {
      expect(colorsEnabled(tty, {})).to.equal(true);
    });

    it('does not color a pipe or a file', () => {
      expect(colorsEnabled(pipe, {})).to.equal(false);
      expect(colorsEnabled({}, {})).to.equal(false);
    });

    it('does not color when NO_COLOR is set, even on a terminal or with FORCE_COLOR', () => {
      expect(colorsEnabled(tty, { NO_COLOR: '1' })).to.equal(false);
      expect(colorsEnabled(tty, { NO_COLOR: '1', FORCE_COLOR: '1' })).to.equal(false);
    });

    it('ignores an empty NO_COLOR, as no-color.org says', () => {
      expect(colorsEnabled(tty, { NO_COLOR: '' })).to.equal(true);
    });

    it('colors a pipe when FORCE_COLOR asks for it, and not when it is "0" or "false"', () => {
      expect(colorsEnabled(pipe, { FORCE_COLOR: '1' })).to.equal(true);
      expect(colorsEnabled(tty, { FORCE_COLOR: '0' })).to.equal(false);
      expect(colorsEnabled(tty, { FORCE_COLOR: 'false' })).to.equal(false);
    });

    it('does not color a dumb terminal', () => {
      expect(colorsEnabled(tty, { TERM: 'dumb' })).to.equal(false);
    });
  });

  describe('groupColor', () => {
    it('gives a group the same color every time', () => {
      expect(groupColor('web')('x')).to.equal(groupColor('web')('x'));
    });

    it('wraps the text in one SGR color and resets only the foreground', () => {
      const colored = groupColor('web')('web.0');
      expect(colored.startsWith(ESC)).to.equal(true);
      expect(colored).to.include('web.0');
      expect(colored.endsWith(`${ESC}39m`)).to.equal(true);
    });

    it('spreads similar group names over several colors', () => {
      const names = ['web', 'web2', 'api', 'jobs', 'worker', 'mailer', 'cron', 'admin'];
      const colors = new Set(names.map((name) => groupColor(name)('')));
      expect(colors.size).to.be.greaterThan(3);
    });

    it('never uses red, which marks errors', () => {
      for (const name of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'web', 'jobs']) {
        expect(groupColor(name)('')).not.to.include(`${ESC}31m`);
      }
    });
  });

  describe('fnv1a', () => {
    it('matches the published 32-bit FNV-1a test vectors', () => {
      expect(fnv1a('')).to.equal(0x811c9dc5);
      expect(fnv1a('a')).to.equal(0xe40c292c);
      expect(fnv1a('foobar')).to.equal(0xbf9cf968);
    });
  });
});
