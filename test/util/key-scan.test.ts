import { execFileSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHost } from '../../agent/host/index.js';
import { scanForKeys, type ScanRoot } from '../../agent/util/key-scan.js';
import { key, sha12 } from '../checks/ssh/fixture.js';
import { FixtureTree } from '../helpers/fixture-tree.js';

const HOME = '/home/gitlab-runner';
const RUNNER = { uid: 998, gid: 998 };
const ROOTS: ScanRoot[] = [
  { path: HOME, scope: 'all', why: 'in the home of runner user gitlab-runner' },
  { path: '/home', scope: 'others-readable', why: 'under /home' },
];

let t: FixtureTree;
beforeEach(async () => {
  t = await FixtureTree.create();
  await t.dir('/home', { mode: 0o755 });
  await t.dir(HOME, { mode: 0o755, ...RUNNER });
});
afterEach(async () => {
  await t.remove();
});

describe('scanForKeys', () => {
  it('a 0644 key behind a dir others cannot search is not readable by others (the walk prunes it)', async () => {
    await t.dir('/home/bob', { mode: 0o700, uid: 1002, gid: 1002 });
    await t.file('/home/bob/keys/id_rsa', key('rsa-pem'), { mode: 0o644, uid: 1002, gid: 1002 });
    await t.dir('/root', { mode: 0o700 });
    await t.file('/root/backup/id_rsa', key('rsa-pem'), { mode: 0o644 });
    await t.file('/home/carol/pub/id_rsa', key('rsa-pem'), { mode: 0o644, uid: 1003, gid: 1003 });
    const r = await scanForKeys(createHost({ root: t.root }).fs, [...ROOTS, { path: '/root', scope: 'others-readable', why: 'under /root' }]);
    expect(r.keys.items.map((k) => k.path)).toEqual(['/home/carol/pub/id_rsa']);
    expect(r.walked.find((w) => w.path === '/root')).toEqual({ path: '/root', why: 'under /root; not searchable by others, nothing in it is readable by them', files: 0 });
  });

  it('reports each key once, with a fingerprint of the whole file, and walks a nested root on its own', async () => {
    await t.file(`${HOME}/a/notes.txt`, key('ed25519'), { mode: 0o644, ...RUNNER });
    await t.file('/home/alice/shared/id_rsa', key('rsa-pem'), { mode: 0o644, uid: 1001, gid: 1001 });
    await t.file('/home/alice/.ssh/id_ed25519', key('ed25519-enc'), { mode: 0o600, uid: 1001, gid: 1001 });
    const r = await scanForKeys(createHost({ root: t.root }).fs, ROOTS);
    expect(r.keys.items.map((k) => [k.path, k.fingerprint, k.reasons])).toEqual([
      [`${HOME}/a/notes.txt`, sha12(key('ed25519')), ['in the home of runner user gitlab-runner', 'readable by others (mode 0644)']],
      ['/home/alice/shared/id_rsa', sha12(key('rsa-pem')), ['readable by others (mode 0644)']],
    ]);
    // The runner home is walked once, as its own root, not again inside /home.
    expect(r.walked).toEqual([
      { path: HOME, why: 'in the home of runner user gitlab-runner', files: 1 },
      { path: '/home', why: 'under /home', files: 1 },
    ]);
  });

  it('stays on one filesystem (st_dev), like find -xdev', async () => {
    await t.dir(`${HOME}/mnt`);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'rg-keyscan-test', t.p(`${HOME}/mnt`)]);
    try {
      await fsp.writeFile(t.p(`${HOME}/mnt/id_ed25519`), key('ed25519'));
      const r = await scanForKeys(createHost({ root: t.root }).fs, ROOTS);
      expect(r.keys.items).toEqual([]);
      expect(r.walked[0]!.files).toBe(0);
    } finally {
      execFileSync('umount', [t.p(`${HOME}/mnt`)]);
    }
  });

  it('a root that is a symlink is walked where it points, inside the target', async () => {
    await t.file('/srv/runner/id', key('ecdsa-pem'), { mode: 0o600, ...RUNNER });
    await t.symlink('/home/ci', '/srv/runner');
    const r = await scanForKeys(createHost({ root: t.root }).fs, [{ path: '/home/ci', scope: 'all', why: 'in the home of runner user ci' }]);
    expect(r.keys.items.map((k) => k.path)).toEqual(['/srv/runner/id']);
  });

  it('as an unprivileged user: unreadable dirs and files are noted, the walk goes on', async () => {
    await t.file(`${HOME}/private/id_rsa`, key('rsa-pem'), { mode: 0o600, ...RUNNER });
    await t.dir(`${HOME}/private`, { mode: 0o700, ...RUNNER });
    await t.file(`${HOME}/sealed.pem`, key('rsa-pkcs8'), { mode: 0o600, ...RUNNER });
    await t.file(`${HOME}/open/deploy_key`, key('ed25519'), { mode: 0o644, ...RUNNER });
    // The scanner bundled and run as nobody: root's CAP_DAC_OVERRIDE would read everything.
    const bundle = t.p('/opt/scan.mjs');
    buildSync({
      stdin: {
        contents: `import { createHost } from './agent/host/index.js';
import { scanForKeys } from './agent/util/key-scan.js';
const host = createHost({ root: process.argv[2] });
console.log(JSON.stringify(await scanForKeys(host.fs, JSON.parse(process.argv[3]))));`,
        resolveDir: fileURLToPath(new URL('../..', import.meta.url)),
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: bundle,
      logLevel: 'error',
      banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    });
    await fsp.chmod(bundle, 0o644);
    const out = execFileSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, bundle, t.root, JSON.stringify(ROOTS)]);
    const r = JSON.parse(out.toString()) as Awaited<ReturnType<typeof scanForKeys>>;
    expect(r.keys.items.map((k) => k.path)).toEqual([`${HOME}/open/deploy_key`]);
    expect(r.unreadable.items.sort()).toEqual([`${HOME}/private (EACCES)`, `${HOME}/sealed.pem (EACCES)`]);
  });
});
