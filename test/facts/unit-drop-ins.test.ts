/**
 * The unit facts read every drop-in systemd applies (systemd 252 on Debian
 * 12: `systemd-analyze unit-paths`, src/shared/dropin.c), merge them as it
 * does, and never let a drop-in they could not read or trust pass unseen.
 * Real files, links and owners in a FixtureTree.
 */
import { execFileSync, spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { dropInNames, MAX_DROPINS } from '../../agent/facts/drop-ins.js';
import { loadUnit, UNIT_DIRS, unitValue, unitValues } from '../../agent/facts/systemd.js';
import { MAX_DIR_ENTRIES, MAX_UNIT_BYTES } from '../../agent/facts/unit-read.js';
import { createHost } from '../../agent/host/index.js';
import { FixtureTree } from '../helpers/fixture-tree.js';

let t: FixtureTree;
afterEach(() => t?.remove());

const UNIT = 'jenkins-agent.service';
const MAIN = '[Service]\nExecStart=/usr/bin/agent\nEnvironment=FROM=unit\n';
const load = (name = UNIT) => loadUnit(createHost({ root: t.root }).fs, name);
const env = (v: string) => `[Service]\nEnvironment=${v}\n`;

async function tree(): Promise<FixtureTree> {
  t = await FixtureTree.create();
  await t.unit(UNIT, MAIN, '/lib/systemd/system');
  return t;
}

describe('unit search path', () => {
  it('is systemd 252\'s on Debian 12, in its precedence order', () => {
    // What `systemd-analyze unit-paths` prints on this machine (Debian 12, systemd 252), when it is here.
    let live: string[] | null = null;
    try {
      live = execFileSync('systemd-analyze', ['unit-paths'], { encoding: 'utf8' }).trim().split('\n');
    } catch {
      /* no systemd-analyze: the list below is its output on Debian 12 */
    }
    const debian12 = ['/etc/systemd/system.control', '/run/systemd/system.control', '/run/systemd/transient', '/run/systemd/generator.early', '/etc/systemd/system', '/etc/systemd/system.attached', '/run/systemd/system', '/run/systemd/system.attached', '/run/systemd/generator', '/usr/local/lib/systemd/system', '/lib/systemd/system', '/usr/lib/systemd/system', '/run/systemd/generator.late'];
    expect(UNIT_DIRS).toEqual(debian12);
    if (live) expect(UNIT_DIRS).toEqual(live);
  });

  it('the unit file comes from the highest-precedence dir that has it; a /dev/null link or an empty file there masks it', async () => {
    await tree();
    await t.unit(UNIT, '[Service]\nExecStart=/usr/bin/agent --control\n', '/etc/systemd/system.control');
    expect((await load())!.path).toBe(`/etc/systemd/system.control/${UNIT}`);
    await fsp.rm(t.p(`/etc/systemd/system.control/${UNIT}`));
    await t.symlink(`/etc/systemd/system/${UNIT}`, '/dev/null');
    expect(await load()).toBeNull();
    await fsp.rm(t.p(`/etc/systemd/system/${UNIT}`));
    await t.file(`/run/systemd/transient/${UNIT}`, '');
    expect(await load()).toBeNull();
  });

  it('an instance with no file of its own is its template (foo@bar.service from foo@.service)', async () => {
    t = await FixtureTree.create();
    await t.unit('agent@.service', '[Service]\nExecStart=/usr/bin/agent %i\n', '/usr/local/lib/systemd/system');
    const u = await load('agent@b1.service');
    expect([u!.name, u!.path, unitValue(u!, 'Service', 'ExecStart')]).toEqual(['agent@b1.service', '/usr/local/lib/systemd/system/agent@.service', '/usr/bin/agent %i']);
  });
});

describe('drop-ins', () => {
  it('a drop-in in each dir systemd reads is applied, in file-name order across dirs', async () => {
    await tree();
    const want: string[] = [];
    for (const [i, dir] of UNIT_DIRS.entries()) {
      const f = `${dir}/${UNIT}.d/${String(i).padStart(2, '0')}-x.conf`;
      await t.file(f, env(`D${i}=${i}`));
      want.push(f);
    }
    const u = (await load())!;
    expect(u.dropIns).toEqual(want);
    expect(unitValues(u, 'Service', 'Environment')).toEqual(['FROM=unit', ...UNIT_DIRS.map((_d, i) => `D${i}=${i}`)]);
    expect(u.issues).toEqual([]);
  });

  it('the same file name in two dirs: the higher-precedence one wins wherever it sorts; a /dev/null link or an empty file masks the lower one', async () => {
    await tree();
    await t.file(`/lib/systemd/system/${UNIT}.d/50-x.conf`, env('X=lib'));
    await t.file(`/run/systemd/system/${UNIT}.d/50-x.conf`, env('X=run'));
    await t.file(`/etc/systemd/system.control/${UNIT}.d/50-x.conf`, env('X=control'));
    await t.file(`/run/systemd/generator.late/${UNIT}.d/90-late.conf`, env('Y=late'));
    let u = (await load())!;
    expect(u.dropIns).toEqual([`/etc/systemd/system.control/${UNIT}.d/50-x.conf`, `/run/systemd/generator.late/${UNIT}.d/90-late.conf`]);
    expect(unitValues(u, 'Service', 'Environment')).toEqual(['FROM=unit', 'X=control', 'Y=late']);
    await fsp.rm(t.p(`/etc/systemd/system.control/${UNIT}.d/50-x.conf`));
    await t.symlink(`/etc/systemd/system/${UNIT}.d/50-x.conf`, '/dev/null');
    u = (await load())!;
    expect(u.dropIns).toEqual([`/etc/systemd/system/${UNIT}.d/50-x.conf`, `/run/systemd/generator.late/${UNIT}.d/90-late.conf`]);
    expect(unitValues(u, 'Service', 'Environment')).toEqual(['FROM=unit', 'Y=late']);
    await fsp.rm(t.p(`/etc/systemd/system/${UNIT}.d/50-x.conf`));
    await t.file(`/etc/systemd/system/${UNIT}.d/50-x.conf`, '');
    expect(unitValues((await load())!, 'Service', 'Environment')).toEqual(['FROM=unit', 'Y=late']);
  });

  it('dash-prefix dirs (jenkins-.service.d) and the top-level service.d apply; the unit\'s own dir wins a shared name over them', async () => {
    await tree();
    await t.file('/etc/systemd/system/jenkins-.service.d/50-x.conf', env('X=prefix'));
    await t.file('/usr/lib/systemd/system/service.d/10-all.conf', env('ALL=1'));
    await t.file('/etc/systemd/system/service.d/50-x.conf', env('X=type'));
    let u = (await load())!;
    expect(u.dropIns).toEqual(['/usr/lib/systemd/system/service.d/10-all.conf', '/etc/systemd/system/jenkins-.service.d/50-x.conf']);
    expect(unitValues(u, 'Service', 'Environment')).toEqual(['FROM=unit', 'ALL=1', 'X=prefix']);
    // Same dir, the specific name first: systemd lists <unit>.d before its prefixes (dropin.c).
    await t.file(`/etc/systemd/system/${UNIT}.d/50-x.conf`, env('X=own'));
    u = (await load())!;
    expect(unitValue(u, 'Service', 'Environment')).toBe('X=own');
    // A higher-precedence dir wins even with the more generic name: systemd walks the dirs first, the names inside.
    await t.file('/etc/systemd/system.control/service.d/50-x.conf', env('X=control-type'));
    expect(unitValue((await load())!, 'Service', 'Environment')).toBe('X=own');
    await t.file('/etc/systemd/system.control/jenkins-.service.d/50-x.conf', env('X=control-prefix'));
    expect(unitValue((await load())!, 'Service', 'Environment')).toBe('X=control-prefix');
  });

  it('a template instance takes its template\'s drop-ins and its dash prefixes, with the instance kept', async () => {
    t = await FixtureTree.create();
    await t.unit('ci-agent@.service', MAIN);
    await t.file('/etc/systemd/system/ci-agent@.service.d/10-t.conf', env('T=template'));
    await t.file('/etc/systemd/system/ci-@b1.service.d/20-p.conf', env('P=prefix-instance'));
    await t.file('/etc/systemd/system/ci-@.service.d/30-q.conf', env('Q=prefix-template'));
    await t.file('/etc/systemd/system/ci-@b2.service.d/40-other.conf', env('O=other-instance'));
    await t.file('/etc/systemd/system/ci-agent@b1.service.d/50-i.conf', env('I=instance'));
    const u = (await load('ci-agent@b1.service'))!;
    expect(unitValues(u, 'Service', 'Environment')).toEqual(['FROM=unit', 'T=template', 'P=prefix-instance', 'Q=prefix-template', 'I=instance']);
  });

  it('the dir names follow systemd\'s unit_file_find_dirs', () => {
    expect(dropInNames('jenkins-agent.service')).toEqual(['jenkins-agent.service', 'jenkins-.service']);
    expect(dropInNames('a-b-c.service')).toEqual(['a-b-c.service', 'a-b-.service', 'a-.service']);
    expect(dropInNames('foo-bar@baz.service')).toEqual(['foo-bar@baz.service', 'foo-bar@.service', 'foo-.service', 'foo-@baz.service', 'foo-@.service']);
    expect(dropInNames('-lead.service')).toEqual(['-lead.service']);
    expect(dropInNames('trail-.service')).toEqual(['trail-.service']);
    expect(dropInNames('docker.socket')).toEqual(['docker.socket']);
  });
});

describe('attackers: what could not be read or trusted is an issue, never silently applied or skipped', () => {
  const SECRET_INI = '[Service]\nEnvironment=ROOT_ONLY=s3cret\n';

  it('a drop-in dir a job owns (uid 999): read, as systemd reads it, and an untrusted issue', async () => {
    await tree();
    await t.dir(`/etc/systemd/system/${UNIT}.d`, { uid: 999, gid: 999 });
    await t.file(`/etc/systemd/system/${UNIT}.d/50-x.conf`, env('X=job'), { uid: 999, gid: 999 });
    const u = (await load())!;
    expect(unitValue(u, 'Service', 'Environment')).toBe('X=job');
    expect(u.issues).toEqual([{ path: `/etc/systemd/system/${UNIT}.d/50-x.conf`, kind: 'untrusted', reason: `/etc/systemd/system/${UNIT}.d/50-x.conf is owned by uid 999` }]);
  });

  it('a root-owned drop-in in a dir a job can write, and a group-writable one: untrusted', async () => {
    await tree();
    await t.dir('/run/systemd/system.control', { mode: 0o777 });
    await t.file(`/run/systemd/system.control/${UNIT}.d/50-x.conf`, env('X=1'));
    await t.file(`/etc/systemd/system/${UNIT}.d/60-y.conf`, env('Y=1'), { mode: 0o664 });
    const u = (await load())!;
    expect(u.issues!.map((i) => [i.kind, i.reason])).toEqual([
      ['untrusted', '/run/systemd/system.control is writable by group or others (mode 0777)'],
      ['untrusted', `/etc/systemd/system/${UNIT}.d/60-y.conf is writable by group or others (mode 0664)`],
    ]);
  });

  it('a root drop-in dir that is sticky and world-writable (1777): root\'s drop-in trusted, the one uid 999 added not', async () => {
    await tree();
    const dir = `/run/systemd/system/${UNIT}.d`;
    await t.dir(dir, { mode: 0o1777 });
    await t.file(`${dir}/10-root.conf`, env('A=root'));
    await t.file(`${dir}/99-job.conf`, env('B=job'), { uid: 999, gid: 999 });
    const u = (await load())!;
    expect(unitValues(u, 'Service', 'Environment')).toEqual(['FROM=unit', 'A=root', 'B=job']);
    expect(u.issues).toEqual([{ path: `${dir}/99-job.conf`, kind: 'untrusted', reason: `${dir}/99-job.conf is owned by uid 999` }]);
  });

  it('a drop-in that is a symlink uid 999 planted (to a root-only file): not followed, not applied, an unread issue', async () => {
    await tree();
    await t.file('/root/secret.conf', SECRET_INI, { mode: 0o600 });
    await t.dir(`/etc/systemd/system/${UNIT}.d`, { uid: 999, gid: 999 });
    await t.symlink(`/etc/systemd/system/${UNIT}.d/50-x.conf`, '/root/secret.conf');
    await fsp.lchown(t.p(`/etc/systemd/system/${UNIT}.d/50-x.conf`), 999, 999);
    const u = (await load())!;
    expect(u.dropIns).toEqual([]);
    expect(JSON.stringify([...u.sections.get('Service')!])).not.toContain('s3cret');
    expect(u.issues).toEqual([{ path: `/etc/systemd/system/${UNIT}.d/50-x.conf`, kind: 'unread', reason: `/etc/systemd/system/${UNIT}.d/50-x.conf is a symlink owned by uid 999: not followed` }]);
  });

  it('a root-made link in a dir uid 999 owns (it could swap it), and a drop-in dir that is a link uid 999 made: not followed', async () => {
    await tree();
    await t.file('/root/secret.conf', SECRET_INI, { mode: 0o600 });
    await t.dir(`/etc/systemd/system/${UNIT}.d`, { uid: 999, gid: 999 });
    await t.symlink(`/etc/systemd/system/${UNIT}.d/50-x.conf`, '/root/secret.conf');
    await t.dir('/home/ci/drop', { uid: 999, gid: 999 });
    await t.file('/home/ci/drop/60-y.conf', env('Y=job'), { uid: 999, gid: 999 });
    await t.symlink(`/run/systemd/system/${UNIT}.d`, '/home/ci/drop');
    await fsp.lchown(t.p(`/run/systemd/system/${UNIT}.d`), 999, 999);
    const u = (await load())!;
    expect(u.dropIns).toEqual([]);
    expect(JSON.stringify([...u.sections.get('Service')!])).not.toContain('s3cret');
    expect(u.issues!.map((i) => i.reason)).toEqual([
      `/run/systemd/system/${UNIT}.d is a symlink owned by uid 999: not followed`,
      `/etc/systemd/system/${UNIT}.d/50-x.conf is a symlink in a dir root does not control alone (/etc/systemd/system/${UNIT}.d is owned by uid 999): not followed`,
    ]);
  });

  it('a root link in a root dir is followed (as systemd does); to a file in a job\'s dir it is untrusted', async () => {
    await tree();
    await t.file('/etc/agent/10-a.conf', env('A=1'));
    await t.symlink(`/etc/systemd/system/${UNIT}.d/10-a.conf`, '/etc/agent/10-a.conf');
    await t.file('/home/ci/20-b.conf', env('B=1'), { uid: 999, gid: 999 });
    await fsp.chown(t.p('/home/ci'), 999, 999);
    await t.symlink(`/etc/systemd/system/${UNIT}.d/20-b.conf`, '/home/ci/20-b.conf');
    const u = (await load())!;
    expect(unitValues(u, 'Service', 'Environment')).toEqual(['FROM=unit', 'A=1', 'B=1']);
    expect(u.issues).toEqual([{ path: `/etc/systemd/system/${UNIT}.d/20-b.conf`, kind: 'untrusted', reason: `/home/ci/20-b.conf (the target of /etc/systemd/system/${UNIT}.d/20-b.conf) is owned by uid 999` }]);
  });

  it('race: a job (uid 999) swaps its drop-in between a regular file and a link to a root-only file while the unit is read: the link\'s target is never read', async () => {
    await tree();
    await t.file('/root/secret.conf', SECRET_INI, { mode: 0o600 });
    const dir = `/etc/systemd/system/${UNIT}.d`;
    await t.dir(dir, { uid: 999, gid: 999 });
    const d = t.p(dir);
    // Renames are atomic: the name is always a regular file or the link, switching as fast as a shell can.
    const loop = `cd '${d}' && while :; do printf '[Service]\\nEnvironment=X=job\\n' > f.tmp; mv -f f.tmp 50-x.conf; ln -sf /root/secret.conf l.tmp; mv -f l.tmp 50-x.conf; done`;
    const job = spawn('sh', ['-c', loop], { uid: 999, gid: 999, stdio: 'ignore' });
    try {
      const seen = { text: 0, link: 0 };
      for (let i = 0; i < 500; i++) {
        const u = (await load())!;
        expect(JSON.stringify([...(u.sections.get('Service') ?? [])])).not.toContain('s3cret');
        if (unitValues(u, 'Service', 'Environment').includes('X=job')) seen.text++;
        if (u.issues!.some((x) => x.kind === 'unread')) seen.link++;
      }
      // Both sides of the swap were met: the reads raced the job, not an idle file.
      expect(seen.text).toBeGreaterThan(0);
      expect(seen.link).toBeGreaterThan(0);
    } finally {
      job.kill('SIGKILL');
    }
  });

  it('a huge drop-in, a binary one, a FIFO: bounded, not applied, each an unread issue saying why (no hang)', async () => {
    await tree();
    const dir = `/etc/systemd/system/${UNIT}.d`;
    await t.dir(dir, { uid: 999, gid: 999 });
    await t.file(`${dir}/10-huge.conf`, Buffer.alloc(MAX_UNIT_BYTES + 1, 'a'), { uid: 999 });
    await t.file(`${dir}/20-bin.conf`, Buffer.from('[Service]\nEnvironment=X=1\u0000\n'), { uid: 999 });
    await t.file(`${dir}/30-latin1.conf`, Buffer.from('[Service]\nEnvironment=X=\xe9\n', 'latin1'), { uid: 999 });
    execFileSync('mkfifo', [t.p(`${dir}/40-fifo.conf`)]);
    await t.file(`${dir}/50-ok.conf`, env('OK=1'));
    const u = (await load())!;
    expect(unitValues(u, 'Service', 'Environment')).toEqual(['FROM=unit', 'OK=1']);
    expect(u.issues!.filter((i) => i.kind === 'unread').map((i) => i.reason)).toEqual([
      `${dir}/10-huge.conf is ${MAX_UNIT_BYTES + 1} bytes, more than the ${MAX_UNIT_BYTES}-byte limit: not read`,
      `${dir}/20-bin.conf holds a NUL byte or invalid UTF-8 (binary, not unit text): not read`,
      `${dir}/30-latin1.conf holds a NUL byte or invalid UTF-8 (binary, not unit text): not read`,
      `${dir}/40-fifo.conf: is not a regular file (fifo)`,
    ]);
  });

  it('a job-owned drop-in dir with more entries than the bound: listed up to it, the rest an issue; drop-ins past MAX_DROPINS an issue', async () => {
    await tree();
    const dir = `/etc/systemd/system/${UNIT}.d`;
    await t.dir(dir, { uid: 999, gid: 999 });
    for (let i = 0; i <= MAX_DIR_ENTRIES; i++) await fsp.writeFile(t.p(`${dir}/${String(i).padStart(5, '0')}.conf`), '');
    const u = (await load())!;
    const unread = u.issues!.filter((i) => i.kind === 'unread').map((i) => i.reason);
    expect(unread).toContain(`${dir} (${dir} is owned by uid 999) holds more than ${MAX_DIR_ENTRIES} entries: the rest not read`);
    expect(unread.some((r) => r.startsWith(`more than ${MAX_DROPINS} drop-ins apply`))).toBe(true);
    expect(u.dropIns.length).toBe(MAX_DROPINS);
  });

  it('a unit file uid 999 owns: read, an untrusted issue; one that is a link uid 999 made: an error, not read', async () => {
    t = await FixtureTree.create();
    await t.file(`/etc/systemd/system/${UNIT}`, MAIN, { uid: 999 });
    expect((await load())!.issues).toEqual([{ path: `/etc/systemd/system/${UNIT}`, kind: 'untrusted', reason: `/etc/systemd/system/${UNIT} is owned by uid 999` }]);
    await fsp.rm(t.p(`/etc/systemd/system/${UNIT}`));
    await t.file('/root/secret.service', SECRET_INI, { mode: 0o600 });
    await t.symlink(`/etc/systemd/system/${UNIT}`, '/root/secret.service');
    await fsp.lchown(t.p(`/etc/systemd/system/${UNIT}`), 999, 999);
    await expect(load()).rejects.toThrow(`/etc/systemd/system/${UNIT} is a symlink owned by uid 999: not followed`);
  });
});
