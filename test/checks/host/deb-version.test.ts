/**
 * Debian version order, checked against dpkg itself: each pair of the table
 * (cases from dpkg's lib/dpkg/t/t-version.c and deb-version(7), plus
 * security-update shapes) is also given to the real `dpkg --compare-versions`.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { compareDebVersions, parseDebVersion } from '../../../checks/host/deb-version.js';

const TABLE: Array<[string, '<' | '=' | '>', string]> = [
  ['1.0', '=', '1.0'],
  ['0:1.0', '=', '1.0'],
  ['1.0-0', '=', '1.0'],
  ['1.000', '=', '1.0'],
  ['1:1.0', '>', '1.0'],
  ['1:0.1', '>', '9.9'],
  ['1.0~rc1', '<', '1.0'],
  ['1.0~~', '<', '1.0~~a'],
  ['1.0~~a', '<', '1.0~'],
  ['1.0~', '<', '1.0'],
  ['1.0', '<', '1.0a'],
  ['1.0a', '<', '1.0+'],
  ['1.0-1', '<', '1.0-2'],
  ['1.2.3', '<', '1.2.10'],
  ['1.0~rc1-1', '<', '1.0-1'],
  ['2.36-9+deb12u3', '<', '2.36-9+deb12u10'],
  ['2.36-9', '<', '2.36-9+deb12u1'],
  ['3.0.11-1~deb12u2', '<', '3.0.11-1'],
  ['1:9.18.28-1~deb12u2', '>', '1:9.18.24-1'],
  ['7.88.1-10+deb12u5', '>', '7.88.1-10+deb12u4'],
  ['a', '<', 'b'],
  ['1.0-a', '<', '1.0-b'],
  ['1.0-1.1', '>', '1.0-1'],
  ['0.9-1', '<', '0.10-1'],
  ['1.0.', '>', '1.0'],
  ['1-2-3', '>', '1-2'],
];

describe('compareDebVersions', () => {
  it.each(TABLE)('%s %s %s (and dpkg agrees)', (a, op, b) => {
    const got = Math.sign(compareDebVersions(a, b));
    expect(got).toBe(op === '<' ? -1 : op === '=' ? 0 : 1);
    expect(Math.sign(compareDebVersions(b, a))).toBe(-got || 0);
    const dpkg = (rel: string) => {
      try {
        execFileSync('dpkg', ['--compare-versions', a, rel, b], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    };
    expect(dpkg(op === '<' ? 'lt' : op === '=' ? 'eq' : 'gt')).toBe(true);
  });

  it('splits epoch and revision at the first colon and the last hyphen', () => {
    expect(parseDebVersion('2:1.2-3-4')).toEqual({ epoch: 2, upstream: '1.2-3', revision: '4' });
    expect(parseDebVersion('1.2')).toEqual({ epoch: 0, upstream: '1.2', revision: '' });
  });
});
