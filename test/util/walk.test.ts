import { execFileSync } from 'node:child_process';
import { closeSync, constants, promises as fsp, mkdirSync, openSync, readdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_OPEN_DIRS, treeBytes, walk } from '../../agent/util/walk.js';
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

describe('walk: bytes, depth, swaps, stops', () => {
  it('names that are not UTF-8 are walked into and shown as \\xNN; rawName keeps the bytes', async () => {
    const bad = Buffer.concat([Buffer.from(t.p('/b/')), Buffer.from([0x61, 0xff, 0x5c])]);
    await fsp.mkdir(t.p('/b'), { recursive: true });
    await fsp.mkdir(bad);
    await fsp.writeFile(Buffer.concat([bad, Buffer.from('/f\u00e9')]), 'x');
    const seen: Array<[string, boolean, string]> = [];
    await walk(t.p('/b'), { entry: (e) => void seen.push([e.rel, e.exact, e.rawName.toString('hex')]) });
    expect(seen.sort()).toEqual([
      ['a\\xff\\', false, '61ff5c'],
      ['a\\xff\\/fé', false, Buffer.from('fé').toString('hex')],
    ]);
  });

  it('reaches entries far below PATH_MAX with a bounded number of open fds', async () => {
    let fd = openSync(t.p('/'), constants.O_RDONLY | constants.O_DIRECTORY);
    const name = 'n'.repeat(250);
    mkdirSync(`/proc/self/fd/${fd}/deep`);
    const next0 = openSync(`/proc/self/fd/${fd}/deep`, constants.O_RDONLY | constants.O_DIRECTORY);
    closeSync(fd);
    fd = next0;
    for (let i = 0; i < 80; i++) {
      mkdirSync(`/proc/self/fd/${fd}/${name}`);
      const next = openSync(`/proc/self/fd/${fd}/${name}`, constants.O_RDONLY | constants.O_DIRECTORY);
      closeSync(fd);
      fd = next;
    }
    writeFileSync(`/proc/self/fd/${fd}/bottom`, 'x');
    closeSync(fd);
    let bottom = '';
    let maxFds = 0;
    const fds = () => readdirSync('/proc/self/fd').length;
    const base = fds();
    await walk(t.p('/deep'), {
      entry(e) {
        maxFds = Math.max(maxFds, fds() - base);
        if (e.name === 'bottom') bottom = e.rel;
      },
    });
    expect(Buffer.byteLength(bottom)).toBe(80 * 251 + 'bottom'.length); // 20,000+ bytes below the start
    // one anchor per ~3000 bytes of path, plus the dir being listed
    expect(maxFds).toBeLessThanOrEqual(Math.ceil((80 * 251) / 3000) + 3);
    execFileSync('rm', ['-rf', t.p('/deep')]);
  });

  it('a dir swapped for a link, or for another dir, after its listing is reported, not followed', async () => {
    await t.file('/b/a/inside', 'x');
    await t.file('/b/c/inside', 'x');
    await t.file('/secret/key', 'k');
    const seen: string[] = [];
    const bad: string[] = [];
    await walk(t.p('/b'), {
      entry(e) {
        seen.push(e.rel);
        e.stat(); // the walk's lstat of the entry happens first; the job swaps right after it
        // A job racing the walk: between the listing of /b and the open of its subdirs.
        if (e.rel === 'a') execFileSync('sh', ['-c', `mv ${t.p('/b/a')} ${t.p('/b/a.old')} && ln -s ${t.p('/secret')} ${t.p('/b/a')}`]);
        if (e.rel === 'c') execFileSync('sh', ['-c', `mv ${t.p('/b/c')} ${t.p('/b/c.old')} && mkdir ${t.p('/b/c')} && touch ${t.p('/b/c/planted')}`]);
      },
      unreadable: (rel, code) => void bad.push(`${rel} ${code}`),
    });
    expect(seen.filter((p) => p.includes('/'))).toEqual([]); // nothing below a or c: not /secret/key, not planted
    expect(bad.sort()).toEqual(['a ECHANGED', 'c ECHANGED']);
  });

  it('a dir swapped for a link before it is opened is reported, not followed, whether it was opened from its parent or is reached later by path (past MAX_OPEN_DIRS)', async () => {
    const n = MAX_OPEN_DIRS + 50;
    const names = Array.from({ length: n }, (_, i) => `d${String(i).padStart(3, '0')}`);
    for (const d of names) await t.file(`/b/${d}/inside`, 'x');
    await t.file('/secret/key', 'k');
    const seen: string[] = [];
    const bad: string[] = [];
    let swapped = false;
    let maxFds = 0;
    const fds = () => readdirSync('/proc/self/fd').length;
    const base = fds();
    await walk(t.p('/b'), {
      entry(e) {
        seen.push(e.rel);
        maxFds = Math.max(maxFds, fds() - base);
        // A job racing the walk: once the listing of /b is done, every other dir of it becomes a link to /secret.
        if (e.depth === 2 && !swapped) {
          swapped = true;
          const mine = e.rel.split('/')[0];
          for (const d of names.filter((x) => x !== mine)) {
            renameSync(t.p(`/b/${d}`), t.p(`/b/${d}.old`));
            symlinkSync(t.p('/secret'), t.p(`/b/${d}`));
          }
        }
      },
      unreadable: (rel, code) => void bad.push(`${rel} ${code}`),
    });
    expect(seen.filter((r) => r.includes('key'))).toEqual([]);
    const walked = new Set(seen.filter((r) => r.endsWith('/inside')).map((r) => r.split('/')[0]));
    // Opened from /b's handle before the swap: walked (the dir itself, now named dNNN.old). The rest: reported.
    expect(bad.every((b) => b.endsWith(' ECHANGED'))).toBe(true);
    const reported = new Set(bad.map((b) => b.split(' ')[0]));
    expect(names.filter((d) => walked.has(d) === reported.has(d))).toEqual([]); // each is one or the other
    expect(reported.size).toBeGreaterThan(0);
    expect(walked.size).toBeGreaterThan(1);
    expect(maxFds).toBeLessThanOrEqual(MAX_OPEN_DIRS + 3);
  });

  it('listed: called once per dir (the start too) before its entries, with the whole listing and the handles\' mtimes; false skips the dir\'s entries and what is below', async () => {
    await t.file('/b/keep/x/deep', 'x');
    await t.file('/b/skip/y/deep', 'y');
    await t.file('/b/skip/.git/HEAD', 'h');
    await fsp.utimes(t.p('/b/skip'), 1000, 1000);
    await fsp.utimes(t.p('/b/skip/.git'), 2000, 2000);
    const events: string[] = [];
    const times: Record<string, [number, number | null]> = {};
    await walk(t.p('/b'), {
      listed(d) {
        events.push(`listed ${d.rel} git=${d.has('.git')} deep=${d.has('deep')} nope=${d.has('nope')}`);
        times[d.rel] = [d.mtimeMs, d.parentMtimeMs];
        return d.name !== 'skip';
      },
      entry: (e) => void events.push(`entry ${e.rel}`),
    });
    // Each dir's listing comes before its entries; nothing of skip/ is visited or opened.
    expect(events.filter((x) => x.includes('skip'))).toEqual(['entry skip', 'listed skip git=true deep=false nope=false']);
    expect(events.indexOf('listed keep/x git=false deep=true nope=false')).toBeLessThan(events.indexOf('entry keep/x/deep'));
    expect(events[0]).toBe('listed  git=false deep=false nope=false');
    expect(times['skip']![0]).toBe(1000_000);
    expect(times['skip']![1]).toBe(times['']![0]);
    expect(times['']![1]).toBeNull();
  });

  it('listed: a dir too large to hold (streamed) answers has() with null, not a guess', async () => {
    // Names long enough that the dir's size passes 1 MB with few entries.
    const long = 'n'.repeat(200);
    mkdirSync(t.p('/b/huge'), { recursive: true });
    for (let i = 0; i < 6000; i++) writeFileSync(t.p(`/b/huge/${long}${i}`), '');
    const seen: Record<string, boolean | null> = {};
    await walk(t.p('/b'), { listed: (d) => void (seen[d.rel] = d.has(`${long}1`)), entry: () => undefined });
    expect(seen['']).toBe(false);
    expect(seen['huge']).toBeNull();
  });

  it('fileNames: every file is counted, only the named ones (and every dir) are visited', async () => {
    for (let i = 0; i < 50; i++) await t.file(`/b/d${i % 5}/f${i}`, 'x');
    await t.file('/b/d1/.netrc', 'x');
    await t.symlink('/b/d2/.netrc', '/etc/passwd');
    const seen: string[] = [];
    const stats = await walk(t.p('/b'), { entry: (e) => void seen.push(`${e.kind} ${e.rel}`) }, { fileNames: new Set(['.netrc']) });
    expect(stats.files).toBe(52);
    expect(seen.sort()).toEqual(['dir d0', 'dir d1', 'dir d2', 'dir d3', 'dir d4', 'file d1/.netrc', 'symlink d2/.netrc']);
  });

  it('stops on its signal between dirs, and says how much it left', async () => {
    for (let i = 0; i < 50; i++) await t.dir(`/b/${i}/x`);
    const ac = new AbortController();
    let dirs = 0;
    const stats = await walk(t.p('/b'), {
      entry(e) {
        if (e.kind === 'dir' && ++dirs === 10) ac.abort();
      },
    }, { signal: ac.signal });
    expect(stats.aborted).toBe(true);
    expect(stats.notWalked).toBeGreaterThan(0);
    expect(stats.dirs).toBeLessThan(100);
  });
});
