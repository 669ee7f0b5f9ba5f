import check from '../../../checks/ssh/stray-private-keys.js';
import { defineCases, type ExpectedFinding } from '../../helpers/check-cases.js';
import type { FixtureTree } from '../../helpers/fixture-tree.js';
import { actionsRunner, DIR as GH_DIR } from '../github/fixture.js';
import { baseDirs, CONFIG_PATH, DSA, gitlabHost, key, PROSE, RUNNER_HOME, sha12, type KeyKind } from './fixture.js';

const RUNNER = { uid: 998, gid: 998 };
const ALICE = { uid: 1001, gid: 1001 };
const BUILDS = `${RUNNER_HOME}/builds`;
const ALL_ROOTS = `${RUNNER_HOME}, ${BUILDS}, /tmp, /home, /root`;

/** What a runner host carries that is not a private key: public keys, certificates, prose, a user's own key. */
async function cleanHost(t: FixtureTree): Promise<void> {
  await baseDirs(t);
  await gitlabHost(t);
  await t.useradd('alice', { uid: 1001 });
  await t.file(`${RUNNER_HOME}/.ssh/known_hosts`, 'gitlab.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n', { mode: 0o644, ...RUNNER });
  await t.file(`${RUNNER_HOME}/.ssh/id_ed25519.pub`, key('ed25519-pub'), { mode: 0o644, ...RUNNER });
  await t.file(`${RUNNER_HOME}/.ssh/id_ed25519-cert.pub`, key('ed25519-cert'), { mode: 0o644, ...RUNNER });
  await t.file(`${BUILDS}/acme/app/README.md`, PROSE, { mode: 0o644, ...RUNNER });
  await t.file(`${BUILDS}/acme/app/tls/server.crt`, key('x509-cert'), { mode: 0o644, ...RUNNER });
  await t.file('/tmp/ca.pem', key('x509-cert'), { mode: 0o644 });
  // A user's own key, 0600 in their own ~/.ssh: theirs to keep.
  await t.file('/home/alice/.ssh/id_ed25519', key('ed25519'), { mode: 0o600, ...ALICE });
  await t.file('/root/.ssh/id_rsa', key('rsa-pem'), { mode: 0o600 });
}

function stray(path: string, kind: KeyKind, message: string | RegExp, extra: Array<string | RegExp> = []): ExpectedFinding {
  return { status: 'fail', subject: path, message, evidence: [`fingerprint ${sha12(key(kind))} (first 12 hex of SHA-256 of the file)`, ...extra] };
}

const FORMATS: Array<[string, KeyKind, string]> = [
  ['id_rsa', 'rsa-pem', 'PEM RSA private key (rsa, unencrypted)'],
  ['legacy.key', 'rsa-pem-enc', 'PEM RSA private key (rsa, passphrase-protected)'],
  ['ec.pem', 'ecdsa-pem', 'PEM EC private key (ec, unencrypted)'],
  ['pkcs8.pem', 'rsa-pkcs8', 'PKCS#8 private key (rsa, unencrypted)'],
  ['tls.key', 'openssl-ed25519', 'PKCS#8 private key (ed25519, unencrypted)'],
  ['vault.bin', 'openssl-rsa-enc', 'PKCS#8 encrypted private key (passphrase-protected)'],
  ['deploy.ppk', 'putty-v2', 'PuTTY v2 private key (ssh-ed25519, passphrase-protected)'],
  ['windows', 'putty-v3', 'PuTTY v3 private key (ssh-ed25519, unencrypted)'],
  ['.hidden/id', 'ed25519-enc', 'OpenSSH private key (ssh-ed25519, passphrase-protected)'],
];
if (DSA) FORMATS.push(['dsa', 'dsa-pem', 'PEM DSA private key (dsa, unencrypted)']);

export default defineCases({
  check,
  passing: [
    {
      name: 'public keys, certificates, prose about keys and a user\'s own 0600 key are not stray',
      build: cleanHost,
      expect: [
        {
          status: 'pass',
          subject: ALL_ROOTS,
          message: 'no private key in 6 files',
          evidence: [`${RUNNER_HOME}: 3 files (in the home of runner user gitlab-runner)`, `${BUILDS}: 2 files (in the builds dir of runner:shell-1)`, '/tmp: 1 file (in /tmp)', '/home: 0 files (under /home)', '/root: 0 files (under /root; not searchable by others, nothing in it is readable by them)'],
        },
      ],
    },
    {
      name: 'links are never followed: loops, links out of the root, links to keys outside the scanned trees',
      build: async (t) => {
        await cleanHost(t);
        await t.symlink(`${RUNNER_HOME}/loop`, '..');
        await t.symlink(`${RUNNER_HOME}/self`, 'self');
        // Host keys of the machine running the tests: outside the target root.
        await t.symlink(`${BUILDS}/acme/escape`, '/../../../../../../etc/ssh');
        // A key inside the root but outside every scanned tree, linked by relative and absolute paths.
        await t.file('/srv/vault/id_ed25519', key('ed25519'), { mode: 0o600 });
        await t.symlink(`${RUNNER_HOME}/vault-rel`, '../../srv/vault/id_ed25519');
        await t.symlink(`${RUNNER_HOME}/vault-dir`, '/srv/vault');
        await t.symlink(`${RUNNER_HOME}/root-key`, '/root/.ssh/id_rsa');
        await t.symlink('/tmp/alice-key', '/home/alice/.ssh/id_ed25519');
      },
      expect: [{ status: 'pass', subject: ALL_ROOTS, message: 'no private key in 6 files' }],
    },
    {
      name: 'a file too large to be a key file is skipped by its size',
      build: async (t) => {
        await cleanHost(t);
        await t.file('/tmp/dump.sql', Buffer.concat([key('ed25519'), Buffer.alloc(70 * 1024, 'x')]), { mode: 0o644 });
      },
      expect: [{ status: 'pass', subject: ALL_ROOTS, evidence: ['1 file over 64 KiB skipped (no key file is that large)'] }],
    },
    {
      name: 'no runner on the host: only /tmp and files readable by others are looked at',
      build: async (t) => {
        await baseDirs(t);
        await t.useradd('alice', { uid: 1001 });
        await t.file('/home/alice/.ssh/id_ed25519', key('ed25519'), { mode: 0o600, ...ALICE });
        await t.file('/home/alice/.ssh/config', 'Host *\n  IdentityFile ~/.ssh/id_ed25519\n', { mode: 0o644, ...ALICE });
      },
      expect: [{ status: 'pass', subject: '/tmp, /home, /root', message: 'no private key in 1 file' }],
    },
  ],
  failing: [
    {
      name: 'a key named notes.txt in the runner user\'s home is found by its content',
      build: async (t) => {
        await cleanHost(t);
        await t.file(`${RUNNER_HOME}/notes.txt`, key('ed25519'), { mode: 0o600, ...RUNNER });
      },
      expect: [
        stray(`${RUNNER_HOME}/notes.txt`, 'ed25519', 'OpenSSH private key (ssh-ed25519, unencrypted) in the home of runner user gitlab-runner', [
          `mode 0600, owner gitlab-runner:gitlab-runner, ${key('ed25519').length} bytes`,
        ]),
      ],
    },
    {
      name: 'the runner user\'s own ~/.ssh/id_rsa is stray: every job can read it',
      build: async (t) => {
        await cleanHost(t);
        await t.file(`${RUNNER_HOME}/.ssh/id_rsa`, key('rsa-pem'), { mode: 0o600, ...RUNNER });
      },
      expect: [stray(`${RUNNER_HOME}/.ssh/id_rsa`, 'rsa-pem', /^PEM RSA private key \(rsa, unencrypted\) in the home of runner user gitlab-runner$/)],
    },
    {
      name: 'every key format in a checkout of the builds dir, whatever the file name (hard link reported once)',
      build: async (t) => {
        await cleanHost(t);
        for (const [name, kind] of FORMATS) await t.file(`${BUILDS}/acme/app/keys/${name}`, key(kind), { mode: 0o640, ...RUNNER });
        const { linkSync } = await import('node:fs');
        linkSync(t.p(`${BUILDS}/acme/app/keys/id_rsa`), t.p(`${BUILDS}/acme/app/keys/id_rsa.hardlink`));
      },
      expect: FORMATS.map(([name, kind, what]) => stray(`${BUILDS}/acme/app/keys/${name}`, kind, `${what} in the builds dir of runner:shell-1`)),
    },
    {
      name: 'any key in /tmp, and one readable by others says so',
      build: async (t) => {
        await cleanHost(t);
        await t.file('/tmp/tmp.Xa81/id_ed25519', key('ed25519'), { mode: 0o600, ...ALICE });
        await t.file('/tmp/deploy.pem', key('rsa-pkcs8'), { mode: 0o644, ...ALICE });
      },
      expect: [
        stray('/tmp/tmp.Xa81/id_ed25519', 'ed25519', /^OpenSSH private key \(ssh-ed25519, unencrypted\) in \/tmp$/, [`mode 0600, owner alice:alice, ${key('ed25519').length} bytes`]),
        stray('/tmp/deploy.pem', 'rsa-pkcs8', 'PKCS#8 private key (rsa, unencrypted) in /tmp; readable by others (mode 0644)'),
      ],
    },
    {
      name: 'a user\'s key readable by others under /home and under a /root left 0755 (mode 0644 and 0604)',
      build: async (t) => {
        await cleanHost(t);
        await t.dir('/root', { mode: 0o755 });
        await t.file('/home/alice/backup/id_ecdsa', key('ecdsa-pem'), { mode: 0o644, ...ALICE });
        await t.file('/root/.ssh/id_rsa', key('rsa-pem'), { mode: 0o604 });
      },
      expect: [
        stray('/home/alice/backup/id_ecdsa', 'ecdsa-pem', /^PEM EC private key \(ec, unencrypted\) readable by others \(mode 0644\)$/, ['mode 0644, owner alice:alice']),
        stray('/root/.ssh/id_rsa', 'rsa-pem', 'readable by others (mode 0604)', [/owner root:root/]),
      ],
    },
    {
      name: 'a builds_dir outside the home (and its cache_dir) are scanned too',
      build: async (t) => {
        await baseDirs(t);
        await gitlabHost(t, '[[runners]]\n  name = "shell-2"\n  executor = "shell"\n  builds_dir = "/srv/ci/builds"\n  cache_dir = "/srv/ci/cache"\n');
        await t.file('/srv/ci/builds/group/project/.ssh/id_ed25519', key('ed25519'), { mode: 0o600, ...RUNNER });
        await t.file('/srv/ci/cache/group/project/key.ppk', key('putty-v3'), { mode: 0o600, ...RUNNER });
      },
      expect: [
        stray('/srv/ci/builds/group/project/.ssh/id_ed25519', 'ed25519', 'in the builds dir of runner:shell-2'),
        stray('/srv/ci/cache/group/project/key.ppk', 'putty-v3', 'PuTTY v3 private key (ssh-ed25519, unencrypted) in the cache dir of runner:shell-2'),
      ],
    },
    {
      name: 'GitHub Actions runner: a key in its _work dir',
      build: async (t) => {
        await baseDirs(t);
        await actionsRunner(t);
        await t.file(`${GH_DIR}/_work/app/app/id_deploy`, key('openssl-ed25519'), { mode: 0o600, uid: 1200, gid: 1200 });
      },
      expect: [stray(`${GH_DIR}/_work/app/app/id_deploy`, 'openssl-ed25519', `PKCS#8 private key (ed25519, unencrypted) in the actions-work dir of github-runner:${GH_DIR}`)],
    },
  ],
  notApplicable: [
    {
      name: 'nothing to scan: no /home, /root or /tmp and no runner',
      build: async () => {},
      expect: [{ status: 'skip', subject: 'private-keys', message: 'nothing to scan' }],
    },
  ],
  errors: [
    {
      name: 'malformed runner config: its builds dirs are unknown (error), the rest is still scanned',
      build: async (t) => {
        await cleanHost(t);
        await t.file(CONFIG_PATH, '[[runners]]\n  name = "x\n', { mode: 0o600 });
      },
      expect: [
        { status: 'error', subject: CONFIG_PATH, message: /builds dirs of the GitLab runners unknown: .*config\.toml:\d+: malformed TOML/ },
        { status: 'pass', subject: `${RUNNER_HOME}, /tmp, /home, /root`, message: 'no private key in 6 files' },
      ],
    },
  ],
});
