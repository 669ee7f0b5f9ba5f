import { execFileSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lstatAt, release, SafePathError, SafeRoot, writerOf } from '../../agent/host/safe-path.js';
import { chmodAt, readPinned, removeTreeAt, unlinkAt, writeAt, writeLiveFile } from '../../agent/host/target-ops.js';
import { createHost } from '../../agent/host/index.js';
import { pinOf } from '../../agent/host/safe-path.js';
import { JOB_UID, listingExcept } from '../helpers/attack.js';

// The layer itself, on real dirs, links and a real uid 999.

let root: string;
beforeEach(async () => {
  root = await fsp.mkdtemp(path.join(os.tmpdir(), 'rg-safe-'));
  await fsp.mkdir(path.join(root, 'etc'));
  await fsp.writeFile(path.join(root, 'etc/shadow'), 'root:*:1::::::\n', { mode: 0o640 });
  await fsp.mkdir(path.join(root, 'home/job/work'), { recursive: true });
  await fsp.chown(path.join(root, 'home/job'), JOB_UID, JOB_UID);
  await fsp.chown(path.join(root, 'home/job/work'), JOB_UID, JOB_UID);
});
afterEach(() => {
  execFileSync('rm', ['-rf', root]); // GNU rm removes trees deeper than PATH_MAX; fs.rm does not
});

const p = (t: string) => path.join(root, t);
async function jobLink(target: string, to: string): Promise<void> {
  await fsp.symlink(to, p(target));
  await fsp.lchown(p(target), JOB_UID, JOB_UID);
}

describe('SafeRoot.openDir / locate', () => {
  it('refuses a link a job made, whether it points in or out, and names it', async () => {
    await jobLink('/home/job/etc', '/etc');
    await jobLink('/home/job/up', '../../etc');
    const r = new SafeRoot(root);
    for (const t of ['/home/job/etc/shadow', '/home/job/up/shadow']) {
      expect(() => r.locate(t)).toThrow(SafePathError);
      expect(() => r.locate(t)).toThrow(/is a symlink owned by uid 999: not followed/);
    }
  });

  it('follows root\'s own links in root\'s dirs (/var/run -> /run), inside the root, absolute or relative', async () => {
    await fsp.mkdir(p('/run'));
    await fsp.mkdir(p('/var'));
    await fsp.symlink('/run', p('/var/run'));
    await fsp.symlink('../run', p('/var/run2'));
    await fsp.writeFile(p('/run/docker.sock'), '');
    const r = new SafeRoot(root);
    for (const t of ['/var/run/docker.sock', '/var/run2/docker.sock']) {
      const loc = r.locate(t);
      expect([loc.label, lstatAt(loc)?.isFile(), loc.dir.rootControlled]).toEqual(['/run/docker.sock', true, true]);
      release(loc.dir);
    }
  });

  it('a root link inside a job\'s dir is not followed either (the job chooses which of root\'s links sits there)', async () => {
    await fsp.symlink('/etc', p('/home/job/rootlink'));
    expect(() => new SafeRoot(root).locate('/home/job/rootlink/shadow')).toThrow(/is a symlink in \/home\/job, which \/home\/job is owned by uid 999: not followed/);
  });

  it('".." never climbs above the root; a dir held open stays the dir whatever happens to its path', async () => {
    const r = new SafeRoot(root);
    const loc = r.locate('/../../../etc/shadow');
    expect(loc.label).toBe('/etc/shadow');
    release(loc.dir);
    const work = r.locate('/home/job/work/x');
    await fsp.rename(p('/home/job/work'), p('/home/job/moved'));
    await jobLink('/home/job/work', '/etc');
    await writeAt(work, 'mine\n', { mode: 0o644, uid: JOB_UID, gid: JOB_UID });
    release(work.dir);
    expect(await fsp.readFile(p('/home/job/moved/x'), 'utf8')).toBe('mine\n');
    expect(await fsp.readdir(p('/etc'))).toEqual(['shadow']);
  });

  it('walks a tree deeper than PATH_MAX by handles', async () => {
    const parts = Array.from({ length: 40 }, (_, i) => `${'d'.repeat(120)}${i}`);
    await fsp.mkdir(p('/deep'));
    // mkdir by handle-free relative steps: chdir-like, since the full path is longer than PATH_MAX.
    let rel = '/deep';
    for (const part of parts) {
      const loc = new SafeRoot(root).locate(`${rel}/${part}`);
      await fsp.mkdir(loc.at);
      release(loc.dir);
      rel = `${rel}/${part}`;
    }
    expect(p(rel).length).toBeGreaterThan(4096);
    const loc = new SafeRoot(root).locate(`${rel}/key`);
    await writeAt(loc, 'deep\n', { mode: 0o600, uid: 0, gid: 0 });
    expect(readPinned(loc).data.toString()).toBe('deep\n');
    release(loc.dir);
    // The path itself is too long to open at once: only a walk by handles reaches it.
    await expect(fsp.readFile(p(`${rel}/key`))).rejects.toMatchObject({ code: 'ENAMETOOLONG' });
  });
});

describe('acts in a job\'s dir run as the job', () => {
  it('a file written there is written by uid 999, then given the owner asked for through a handle on that inode', async () => {
    const loc = new SafeRoot(root).locate('/home/job/work/config.toml');
    expect(loc.dir.actor).toMatchObject({ uid: JOB_UID });
    await writeAt(loc, 'x = 1\n', { mode: 0o600, uid: 0, gid: 0 });
    const st = await fsp.lstat(p('/home/job/work/config.toml'));
    expect([st.uid, st.mode & 0o7777]).toEqual([0, 0o600]);
    release(loc.dir);
  });

  it('a root-owned tree in a job\'s dir cannot be deleted through it (the job could not either); a job\'s tree is', async () => {
    await fsp.mkdir(p('/home/job/work/rootstuff/sub'), { recursive: true });
    await fsp.writeFile(p('/home/job/work/rootstuff/sub/f'), 'x');
    await fsp.mkdir(p('/home/job/work/jobstuff/sub'), { recursive: true });
    for (const q of ['jobstuff', 'jobstuff/sub']) await fsp.chown(p(`/home/job/work/${q}`), JOB_UID, JOB_UID);
    const r = new SafeRoot(root);
    const rootLoc = r.locate('/home/job/work/rootstuff');
    await expect(removeTreeAt(rootLoc, pinOf(lstatAt(rootLoc)!))).rejects.toThrow(/as uid 999/);
    expect(await fsp.readFile(p('/home/job/work/rootstuff/sub/f'), 'utf8')).toBe('x');
    const jobLoc = r.locate('/home/job/work/jobstuff');
    await removeTreeAt(jobLoc, pinOf(lstatAt(jobLoc)!));
    expect(await fsp.readdir(p('/home/job/work'))).toEqual(['rootstuff']);
    release(rootLoc.dir);
    release(jobLoc.dir);
  });

  it('a pinned act on an entry swapped since is refused: unlink and chmod', async () => {
    await fsp.writeFile(p('/home/job/work/key'), 'k');
    const loc = new SafeRoot(root).locate('/home/job/work/key');
    const pin = pinOf(lstatAt(loc)!);
    await fsp.rm(p('/home/job/work/key'));
    await jobLink('/home/job/work/key', p('/etc/shadow'));
    await expect(unlinkAt(loc, pin)).rejects.toThrow(/changed since the plan/);
    await expect(chmodAt(loc, 0o666, pin)).rejects.toThrow(/symlink|changed since the plan/);
    expect((await fsp.stat(p('/etc/shadow'))).mode & 0o7777).toBe(0o640);
    release(loc.dir);
  });
});

describe('a job\'s socket in a sticky dir (/tmp)', () => {
  it('is chmod-ed by its owner, not by root by name (chmod follows a link the owner could swap in)', async () => {
    await fsp.mkdir(p('/tmp'), { mode: 0o1777 });
    await fsp.chmod(p('/tmp'), 0o1777);
    const sock = p('/tmp/docker.sock');
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(sock, resolve));
    try {
      await fsp.chown(sock, JOB_UID, JOB_UID);
      await fsp.chmod(sock, 0o666);
      const loc = new SafeRoot(root).locate('/tmp/docker.sock');
      expect(loc.dir.rootControlled).toBe(true);
      await chmodAt(loc, 0o660, pinOf(lstatAt(loc)!));
      release(loc.dir);
      expect((await fsp.lstat(sock)).mode & 0o7777).toBe(0o660);
      // A root-owned socket there is root's alone to swap: root acts by name.
      await fsp.chown(sock, 0, 0);
      const loc2 = new SafeRoot(root).locate('/tmp/docker.sock');
      await chmodAt(loc2, 0o600, pinOf(lstatAt(loc2)!));
      release(loc2.dir);
      expect((await fsp.lstat(sock)).mode & 0o7777).toBe(0o600);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('writerOf: who could have named a location', () => {
  it('root\'s file in root\'s dir: nobody else; a job\'s .runner: the job; a job\'s link: the job', async () => {
    const host = createHost({ root });
    await fsp.writeFile(p('/etc/config.toml'), '');
    await fsp.writeFile(p('/home/job/.runner'), '{}');
    await fsp.chown(p('/home/job/.runner'), JOB_UID, JOB_UID);
    await jobLink('/home/job/link.toml', '/etc/config.toml');
    expect(await writerOf(host, '/etc/config.toml')).toBeNull();
    expect(await writerOf(host, '/home/job/.runner')).toMatchObject({ uid: JOB_UID });
    expect(await writerOf(host, '/home/job/link.toml')).toMatchObject({ uid: JOB_UID });
  });
});

describe('writeLiveFile (--output, the node_exporter textfile)', () => {
  it('the textfile dir swapped for a link by its parent\'s owner is refused; nothing is written where it points', async () => {
    await fsp.mkdir(p('/var/lib/prom/ne'), { recursive: true });
    await fsp.chown(p('/var/lib/prom'), JOB_UID, JOB_UID);
    await fsp.rename(p('/var/lib/prom/ne'), p('/var/lib/prom/ne.old'));
    await jobLink('/var/lib/prom/ne', p('/etc'));
    const before = await listingExcept(root, ['/var/lib/prom']);
    await expect(writeLiveFile(p('/var/lib/prom/ne/runnerguard.prom'), 'x 1\n', 0o644)).rejects.toThrow(/is a symlink owned by uid 999: not followed/);
    expect(await listingExcept(root, ['/var/lib/prom'])).toEqual(before);
    await fsp.rm(p('/var/lib/prom/ne'));
    await fsp.rename(p('/var/lib/prom/ne.old'), p('/var/lib/prom/ne'));
    await writeLiveFile(p('/var/lib/prom/ne/runnerguard.prom'), 'x 1\n', 0o644);
    const st = await fsp.lstat(p('/var/lib/prom/ne/runnerguard.prom'));
    expect([st.uid, st.mode & 0o7777]).toEqual([0, 0o644]);
  });
});
