import { execFileSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHost, HostError } from '../../agent/host/index.js';
import { FixtureTree } from '../helpers/fixture-tree.js';

let t: FixtureTree;
beforeEach(async () => {
  t = await FixtureTree.create();
});
afterEach(async () => {
  await t.remove();
});

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    expect(err).toBeInstanceOf(HostError);
    return (err as HostError).code;
  }
}

describe('TreeFs confinement', () => {
  it('refuses ".." and relative paths', async () => {
    const h = createHost({ root: t.root });
    expect(await code(h.fs.readText('/etc/../../etc/passwd'))).toBe('ESCAPE');
    expect(await code(h.fs.readText('etc/passwd'))).toBe('ESCAPE');
  });

  it('resolves an absolute symlink inside the root, not on this machine', async () => {
    await t.file('/usr/lib/os-release', 'PRETTY_NAME="Fixture OS"\n');
    await fsp.rm(t.p('/etc/os-release'));
    await t.symlink('/etc/os-release', '/usr/lib/os-release');
    const h = createHost({ root: t.root });
    expect(await h.fs.readText('/etc/os-release')).toContain('Fixture OS');
    expect(await h.fs.realpath('/etc/os-release')).toBe('/usr/lib/os-release');
  });

  it('refuses a relative symlink that climbs out of the root', async () => {
    await t.symlink('/etc/escape', '../../../../../../etc/hostname');
    const h = createHost({ root: t.root });
    expect(await code(h.fs.readText('/etc/escape'))).toBe('ESCAPE');
  });

  it('treats a symlink to /etc/shadow as the root\'s own /etc/shadow', async () => {
    await t.symlink('/home/link', '/etc/shadow');
    const h = createHost({ root: t.root });
    expect(await h.fs.readText('/home/link')).toBe('root:*:19000:0:99999:7:::\n');
  });

  it('reports a symlink loop as ELOOP, not a hang', async () => {
    await t.symlink('/a', '/b');
    await t.symlink('/b', '/a');
    const h = createHost({ root: t.root });
    expect(await code(h.fs.readText('/a'))).toBe('ELOOP');
    expect(await code(h.fs.stat('/a/x'))).toBe('ELOOP');
  });

  it('refuses directories, FIFOs (without blocking) and huge files', async () => {
    await t.dir('/etc/gitlab-runner/config.toml');
    execFileSync('mkfifo', [t.p('/etc/fifo')]);
    await t.file('/var/huge', Buffer.alloc(5 * 1024 * 1024));
    const h = createHost({ root: t.root });
    expect(await code(h.fs.readText('/etc/gitlab-runner/config.toml'))).toBe('EISDIR');
    expect(await code(h.fs.readText('/etc/fifo'))).toBe('ENOTREG');
    expect(await code(h.fs.readText('/var/huge'))).toBe('ETOOBIG');
    expect((await h.fs.readFile('/var/huge', { maxBytes: 6 * 1024 * 1024 })).length).toBe(5 * 1024 * 1024);
    expect(await code(h.fs.readText('/nope'))).toBe('ENOENT');
    expect(await h.fs.stat('/nope')).toBeNull();
  });

  it('strips a UTF-8 BOM from text', async () => {
    await t.file('/runner/.runner', '\ufeff{"ephemeral": true}');
    const h = createHost({ root: t.root });
    expect(JSON.parse(await h.fs.readText('/runner/.runner'))).toEqual({ ephemeral: true });
  });

  it('stats with numeric owners and lists entries with their kinds', async () => {
    await t.file('/etc/gitlab-runner/config.toml', 'x', { mode: 0o640, uid: 998, gid: 997 });
    await t.socket('/run/docker.sock', { mode: 0o660, uid: 0, gid: 999 });
    const h = createHost({ root: t.root });
    const st = await h.fs.stat('/etc/gitlab-runner/config.toml');
    expect(st).toMatchObject({ kind: 'file', mode: 0o640, uid: 998, gid: 997 });
    expect((await h.fs.stat('/run/docker.sock'))?.kind).toBe('socket');
    expect((await h.fs.readdir('/run')).map((e) => [e.name, e.kind])).toEqual([['docker.sock', 'socket']]);
  });

  it('resolves owners against the target passwd, not this machine', async () => {
    await t.useradd('gitlab-runner', { uid: 4242 });
    const h = createHost({ root: t.root });
    const users = await h.users();
    expect(users.userName(4242)).toBe('gitlab-runner');
    expect(users.userName(0)).toBe('root');
    expect(users.user('4242')?.name).toBe('gitlab-runner');
    expect(users.groupsOf('gitlab-runner').map((g) => g.name)).toEqual(['gitlab-runner']);
  });

  it('offline identity comes from the root files', async () => {
    const h = createHost({ root: t.root });
    const id = await h.identity();
    expect(id.hostname).toBe('fixture-host');
    expect(id.os).toBe('Debian GNU/Linux 12 (bookworm)');
    expect(id.machineId).toMatch(/^[0-9a-f]{64}$/);
    expect(id.machineId).not.toContain('0123456789abcdef');
    expect(h.live).toBe(false);
    await expect(h.exec(['true'], { timeoutMs: 1000 })).rejects.toMatchObject({ code: 'EOFFLINE' });
  });
});
