import { execFileSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { treeBytes, walk } from '../../agent/util/walk.js';
import { FixtureTree } from '../helpers/fixture-tree.js';

let t: FixtureTree;
beforeEach(async () => {
  t = await FixtureTree.create();
});
afterEach(async () => {
  await t.remove();
});

async function names(start: string): Promise<{ seen: string[]; files: number }> {
  const seen: string[] = [];
  const stats = await walk(start, { entry: (e) => void seen.push('/' + e.rel) });
  return { seen: seen.sort(), files: stats.files };
}

describe('walk', () => {
  it('counts like find/du and never follows symlinks (loops and escapes are just entries)', async () => {
    await t.file('/b/a/one', Buffer.alloc(100));
    await t.file('/b/a/two', Buffer.alloc(50));
    await t.symlink('/b/a/loop', '..');
    await t.symlink('/b/out', '/etc');
    await t.symlink('/b/self', 'self');
    const r = await names(t.p('/b'));
    expect(r.seen).toEqual(['/a', '/a/loop', '/a/one', '/a/two', '/out', '/self']);
    const find = execFileSync('find', [t.p('/b'), '-xdev', '-not', '-type', 'd']).toString().trim().split('\n').length;
    expect(r.files).toBe(find); // files + symlinks, as find counts non-dirs
    // du -sb counts the link targets' lengths as the links' sizes, as lstat does.
    const du = Number(execFileSync('du', ['-sb', '--apparent-size', t.p('/b')]).toString().split('\t')[0]);
    const dirBytes = Number(execFileSync('sh', ['-c', `find ${t.p('/b')} -type d -printf '%s\\n' | paste -sd+ | bc`]).toString());
    expect(await treeBytes(t.p('/b'))).toBe(du - dirBytes);
  });

  it('stays on one filesystem (-xdev)', async () => {
    await t.file('/b/keep', 'x');
    await t.dir('/b/mnt');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'rg-walk-test', t.p('/b/mnt')]);
    try {
      await fsp.writeFile(t.p('/b/mnt/hidden'), 'y');
      const r = await names(t.p('/b'));
      expect(r.seen).toEqual(['/keep', '/mnt']);
      const all: string[] = [];
      await walk(t.p('/b'), { entry: (e) => void all.push('/' + e.rel) }, { xdev: false });
      expect(all.some((p) => p.endsWith('/mnt/hidden'))).toBe(true);
    } finally {
      execFileSync('umount', [t.p('/b/mnt')]);
    }
  });
});
