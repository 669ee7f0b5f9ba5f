import { execFileSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assertRootControlled, ensureRootDir, MAX_LINKS, readRootFile, rootControlled, TrustError } from '../../agent/host/trust.js';

// Tests run as root: every dir made here is root's, and mkdtemp's 0700 under the
// root-owned sticky /tmp is root-controlled. The attacker (uid 999) gets what we chown.
let base: string;
beforeEach(async () => {
  base = await fsp.mkdtemp(path.join(os.tmpdir(), 'rg-trust-'));
});
afterEach(async () => {
  await fsp.rm(base, { recursive: true, force: true });
});

const p = (...xs: string[]) => path.join(base, ...xs);
async function dir(rel: string, mode = 0o755, uid = 0): Promise<string> {
  await fsp.mkdir(p(rel), { recursive: true });
  await fsp.chmod(p(rel), mode);
  await fsp.lchown(p(rel), uid, uid);
  return p(rel);
}
async function file(rel: string, text = 'x', mode = 0o644, uid = 0): Promise<string> {
  await fsp.writeFile(p(rel), text);
  await fsp.chmod(p(rel), mode);
  await fsp.lchown(p(rel), uid, uid);
  return p(rel);
}

async function refused(target: string): Promise<{ path: string; reason: string; missing: boolean }> {
  const t = await rootControlled(target);
  if (t.ok) throw new Error(`${target} was accepted`);
  return t;
}

describe('rootControlled', () => {
  it('a root 0700 dir under the root-owned sticky /tmp is accepted, and so is what root made in it', async () => {
    expect((await fsp.stat('/tmp')).mode & 0o1777).toBe(0o1777);
    expect(await rootControlled(base)).toEqual({ ok: true, real: base });
    const f = await file('f', 'x', 0o600);
    expect(await rootControlled(f)).toEqual({ ok: true, real: f });
  });

  it('a sticky root-owned dir is safe above a path, not as the path itself', async () => {
    const sticky = await dir('tmp-like', 0o1777);
    const inside = await dir('tmp-like/mine', 0o700);
    expect(await rootControlled(inside)).toEqual({ ok: true, real: inside });
    expect(await refused(sticky)).toEqual({ ok: false, path: sticky, reason: `${sticky} is writable by group and others (mode 1777)`, missing: false });
  });

  it('a sticky dir not owned by root is no safe ancestor', async () => {
    await dir('their-tmp', 0o1777, 999);
    const inside = await dir('their-tmp/mine', 0o700);
    expect((await refused(inside)).reason).toBe(`${p('their-tmp')} is owned by uid 999 (mode 1777)`);
  });

  it('names the exact offending entry, its owner and mode', async () => {
    await dir('a', 0o700, 999);
    await dir('a/b', 0o700);
    expect(await refused(p('a/b'))).toEqual({ ok: false, path: p('a'), reason: `${p('a')} is owned by uid 999 (mode 0700)`, missing: false });
    await dir('g', 0o775);
    expect((await refused(p('g'))).reason).toBe(`${p('g')} is writable by group (mode 0775)`);
    await dir('o', 0o757);
    expect((await refused(p('o'))).reason).toBe(`${p('o')} is writable by others (mode 0757)`);
    await dir('w/x', 0o700);
    await fsp.chmod(p('w'), 0o777);
    expect((await refused(p('w/x'))).reason).toBe(`${p('w')} is writable by group and others (mode 0777)`);
    const f = await file('f', 'x', 0o644, 999);
    expect((await refused(f)).reason).toBe(`${f} is owned by uid 999 (mode 0644)`);
  });

  it('follows a link only when root owns it, and judges its target the same way', async () => {
    const real = await dir('real/state', 0o700);
    await fsp.symlink(real, p('rootlink'));
    expect(await rootControlled(p('rootlink'))).toEqual({ ok: true, real });
    // A relative target resolves from the link's own directory.
    await fsp.symlink('real/state', p('rel'));
    expect(await rootControlled(p('rel'))).toEqual({ ok: true, real });
    // A link someone else owns is refused, whatever it points at.
    await fsp.symlink(real, p('theirlink'));
    await fsp.lchown(p('theirlink'), 999, 999);
    expect(await refused(p('theirlink'))).toMatchObject({ path: p('theirlink'), reason: `${p('theirlink')} is a symlink owned by uid 999` });
    // A root link to a dir someone else owns: the target is named.
    const theirs = await dir('theirs', 0o700, 999);
    await fsp.symlink(theirs, p('to-theirs'));
    expect((await refused(p('to-theirs'))).reason).toBe(`${theirs} is owned by uid 999 (mode 0700)`);
    // A link in the middle of the path counts as well.
    await file('real/state/journal.json');
    expect(await rootControlled(p('rootlink/journal.json'))).toEqual({ ok: true, real: path.join(real, 'journal.json') });
  });

  it('.. goes up from where a link led, as the kernel does', async () => {
    await dir('deep/a/b', 0o755);
    await fsp.symlink(p('deep/a/b'), p('l'));
    expect(await rootControlled(`${p('l')}/..`)).toEqual({ ok: true, real: p('deep/a') });
  });

  it(`gives up after ${MAX_LINKS} links (a loop included)`, async () => {
    await dir('end', 0o700);
    await fsp.symlink(p('end'), p('l0'));
    for (let i = 1; i <= MAX_LINKS; i++) await fsp.symlink(p(`l${i - 1}`), p(`l${i}`));
    expect(await rootControlled(p(`l${MAX_LINKS - 1}`))).toEqual({ ok: true, real: p('end') });
    expect((await refused(p(`l${MAX_LINKS}`))).reason).toBe(`more than ${MAX_LINKS} symbolic links on the way to ${p(`l${MAX_LINKS}`)}`);
    await fsp.symlink(p('loop-b'), p('loop-a'));
    await fsp.symlink(p('loop-a'), p('loop-b'));
    expect((await refused(p('loop-a'))).reason).toMatch(/more than 40 symbolic links/);
  });

  it('missing: only when everything above is root-controlled', async () => {
    expect(await refused(p('nope/x'))).toEqual({ ok: false, path: p('nope'), reason: `${p('nope')} does not exist`, missing: true });
    await dir('theirs', 0o700, 999);
    expect(await refused(p('theirs/nope'))).toMatchObject({ path: p('theirs'), missing: false });
    await file('f');
    expect(await refused(p('f/x'))).toMatchObject({ reason: `${p('f')} is not a directory`, missing: false });
  });

  it('a control character in a name is shown escaped', async () => {
    const evil = await dir('a\x1b[2Jb', 0o700, 999);
    expect((await refused(evil)).reason).toBe(`${p('a\\x1b[2Jb')} is owned by uid 999 (mode 0700)`);
  });
});

describe('assertRootControlled and ensureRootDir', () => {
  it('assert: the real path, or a TrustError with the code, the path and the reason', async () => {
    expect(await assertRootControlled(base, 'state_dir')).toBe(base);
    const theirs = await dir('theirs', 0o700, 999);
    const err = await assertRootControlled(theirs, 'state_dir').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrustError);
    expect(err).toMatchObject({ code: 'EUNTRUSTED', path: theirs, what: 'state_dir', reason: `${theirs} is owned by uid 999 (mode 0700)` });
    expect((err as Error).message).toBe(`state_dir ${theirs}: not trusted: ${theirs} is owned by uid 999 (mode 0700); runnerguard uses it only when root owns it and every directory above it, and no other user can write them`);
    expect(await assertRootControlled(p('nope'), 'journal').catch((e: TrustError) => e.code)).toBe('ENOENT');
  });

  it('ensureRootDir makes what is missing 0700 root, one component at a time', async () => {
    const made = await ensureRootDir(p('var/lib/rg'), 'state_dir');
    expect(made).toBe(p('var/lib/rg'));
    for (const d of ['var', 'var/lib', 'var/lib/rg']) {
      const st = await fsp.stat(p(d));
      expect([st.uid, st.mode & 0o7777]).toEqual([0, 0o700]);
    }
    expect(await ensureRootDir(made, 'state_dir')).toBe(made); // existing and root's: kept as it is
  });

  it('ensureRootDir refuses an existing dir that is not root-controlled and leaves it as it was', async () => {
    const theirs = await dir('state', 0o700, 999);
    await file('state/planted', 'x', 0o644, 999);
    await expect(ensureRootDir(theirs, 'state_dir')).rejects.toMatchObject({ code: 'EUNTRUSTED', reason: `${theirs} is owned by uid 999 (mode 0700)` });
    const gw = await dir('gw', 0o770);
    await expect(ensureRootDir(p('gw/sub'), 'state_dir')).rejects.toMatchObject({ code: 'EUNTRUSTED', reason: `${gw} is writable by group (mode 0770)` });
    const st = await fsp.stat(theirs);
    expect([st.uid, st.mode & 0o7777]).toEqual([999, 0o700]);
    expect((await fsp.stat(gw)).mode & 0o7777).toBe(0o770);
    expect(await fsp.readdir(gw)).toEqual([]);
  });

  it('ensureRootDir in a sticky dir: a name uid 999 took first is refused, not adopted', async () => {
    await fsp.chmod(base, 0o755); // the runner user can reach it, as it reaches /tmp
    await dir('tmp-like', 0o1777);
    // The runner user makes the name before the agent does, as a job would in /tmp.
    execFileSync('setpriv', ['--reuid=999', '--regid=999', '--clear-groups', 'mkdir', '-m', '0700', p('tmp-like/rg-state')]);
    expect((await fsp.stat(p('tmp-like/rg-state'))).uid).toBe(999);
    await expect(ensureRootDir(p('tmp-like/rg-state'), 'state_dir')).rejects.toMatchObject({ code: 'EUNTRUSTED', reason: `${p('tmp-like/rg-state')} is owned by uid 999 (mode 0700)` });
    expect(await ensureRootDir(p('tmp-like/rg-mine'), 'state_dir')).toBe(p('tmp-like/rg-mine'));
  });

  it('ensureRootDir refuses a file where a dir should be', async () => {
    const f = await file('f');
    await expect(ensureRootDir(f, 'spool')).rejects.toMatchObject({ code: 'ENOTREG' });
  });
});

describe('readRootFile', () => {
  it('reads a root file, through a root link', async () => {
    const f = await file('ca.pem', 'PEM', 0o644);
    expect((await readRootFile(f, 'ca_file', { maxBytes: 100 })).toString()).toBe('PEM');
    await fsp.symlink(f, p('ca-link.pem'));
    expect((await readRootFile(p('ca-link.pem'), 'ca_file', { maxBytes: 100 })).toString()).toBe('PEM');
  });

  it('refuses a file someone else owns or can write, a secret others can read, a link someone else made', async () => {
    const theirs = await file('theirs.pem', 'x', 0o644, 999);
    await expect(readRootFile(theirs, 'ca_file', { maxBytes: 100 })).rejects.toMatchObject({ code: 'EUNTRUSTED', reason: `${theirs} is owned by uid 999 (mode 0644)` });
    const gw = await file('gw.pem', 'x', 0o664);
    await expect(readRootFile(gw, 'ca_file', { maxBytes: 100 })).rejects.toMatchObject({ code: 'EUNTRUSTED', reason: `${gw} is writable by group (mode 0664)` });
    const open = await file('token', 'x', 0o640);
    await expect(readRootFile(open, 'token_file', { maxBytes: 100, secret: true })).rejects.toMatchObject({ code: 'EEXPOSED', reason: 'readable by group/others (mode 0640); chmod 0600' });
    expect((await readRootFile(open, 'ca_file', { maxBytes: 100 })).toString()).toBe('x'); // not a secret: readable is fine
    const shadow = await file('shadow', 'SECRET', 0o600);
    await fsp.symlink(shadow, p('link'));
    await fsp.lchown(p('link'), 999, 999);
    await expect(readRootFile(p('link'), 'spool entry', { maxBytes: 100 })).rejects.toMatchObject({ code: 'EUNTRUSTED', reason: `${p('link')} is a symlink owned by uid 999` });
  });

  it('a FIFO is refused without blocking; a dir is no file; size is bounded', async () => {
    execFileSync('mkfifo', ['-m', '0600', p('fifo')]);
    await expect(readRootFile(p('fifo'), 'token_file', { maxBytes: 100 })).rejects.toMatchObject({ code: 'ENOTREG' });
    await dir('d', 0o700);
    await expect(readRootFile(p('d'), 'ca_file', { maxBytes: 100 })).rejects.toMatchObject({ code: 'ENOTREG' });
    const big = await file('big', 'y'.repeat(101));
    await expect(readRootFile(big, 'ca_file', { maxBytes: 100 })).rejects.toMatchObject({ code: 'ETOOBIG' });
    expect((await readRootFile(big, 'ca_file', { maxBytes: 101 })).length).toBe(101);
    await expect(readRootFile(p('absent'), 'ca_file', { maxBytes: 100 })).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('readRootFile with noLink', () => {
  it('refuses the name being a link at all, even root\'s to a root file; reads a regular root file', async () => {
    const f = await file('report.json', '{}', 0o600);
    expect((await readRootFile(f, 'spool entry', { maxBytes: 100, noLink: true })).toString()).toBe('{}');
    await fsp.symlink(f, p('link.json'));
    await expect(readRootFile(p('link.json'), 'spool entry', { maxBytes: 100, noLink: true })).rejects.toMatchObject({ code: 'EUNTRUSTED', reason: `${p('link.json')} is a symlink owned by uid 0` });
    // Its directory is still walked: a dir someone else owns is refused before the name is looked at.
    await dir('theirs', 0o755, 999);
    await file('theirs/r.json', '{}', 0o600);
    await expect(readRootFile(p('theirs/r.json'), 'spool entry', { maxBytes: 100, noLink: true })).rejects.toMatchObject({ code: 'EUNTRUSTED', reason: `${p('theirs')} is owned by uid 999 (mode 0755)` });
  });
});

describe('ensureRootDir where nothing can be made', () => {
  it('a read-only place is a TrustError (EIO) naming what could not be made, not a crash', async () => {
    // /proc is root's (0555), and no directory can be made in it.
    const err = await ensureRootDir('/proc/rg-state-test', 'state_dir').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrustError);
    expect(err).toMatchObject({ code: 'EIO', message: 'state_dir /proc/rg-state-test: /proc/rg-state-test cannot be made: ENOENT' });
  });
});
