import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gitlabRunnerUnit, type FixtureTree } from '../../helpers/fixture-tree.js';

/**
 * Real key material, made by ssh-keygen and openssl when the tests run (once
 * per process), plus PuTTY files written from the documented PPK layout.
 */
export type KeyKind =
  | 'ed25519'
  | 'ed25519-enc'
  | 'rsa-pem'
  | 'rsa-pem-enc'
  | 'ecdsa-pem'
  | 'dsa-pem'
  | 'rsa-pkcs8'
  | 'openssl-ed25519'
  | 'openssl-rsa-enc'
  | 'putty-v2'
  | 'putty-v3';

const made = new Map<string, Buffer>();

function inTmp<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rg-keys-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function sshKeygen(type: string, args: string[], withCert = false): { priv: Buffer; pub: Buffer; cert?: Buffer } {
  return inTmp((dir) => {
    const f = path.join(dir, 'key');
    execFileSync('ssh-keygen', ['-q', '-t', type, '-C', 'ci@runner', '-f', f, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    const out: { priv: Buffer; pub: Buffer; cert?: Buffer } = { priv: readFileSync(f), pub: readFileSync(`${f}.pub`) };
    if (withCert) {
      // An SSH certificate for the key, signed by a throwaway CA.
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'ca')], { stdio: 'ignore' });
      execFileSync('ssh-keygen', ['-q', '-s', path.join(dir, 'ca'), '-I', 'runner', '-n', 'gitlab-runner', `${f}.pub`], { stdio: 'ignore' });
      out.cert = readFileSync(`${f}-cert.pub`);
    }
    return out;
  });
}

function openssl(args: string[]): Buffer {
  return inTmp((dir) => {
    const f = path.join(dir, 'out.pem');
    execFileSync('openssl', [...args, '-out', f], { stdio: ['ignore', 'ignore', 'pipe'] });
    return readFileSync(f);
  });
}

/** DSA keys are gone from newer OpenSSH; the DSA case runs where ssh-keygen still makes them. */
export const DSA = (() => {
  try {
    made.set('dsa-pem', sshKeygen('dsa', ['-m', 'PEM', '-N', '']).priv);
    return true;
  } catch {
    return false;
  }
})();

const wrap = (b64: string) => b64.match(/.{1,64}/g)!.join('\n');

/** A .ppk as PuTTYgen writes it ("PPK file format", PuTTY manual appendix C); the MAC is not checked by anyone here. */
function putty(version: 2 | 3, encrypted: boolean): Buffer {
  const pubB64 = key('ed25519-pub').toString().split(' ')[1]!;
  const priv = Buffer.concat([Buffer.from([0, 0, 0, 32]), randomBytes(32)]).toString('base64');
  const kdf = version === 3 && encrypted ? 'Key-Derivation: Argon2id\nArgon2-Memory: 8192\nArgon2-Passes: 13\nArgon2-Parallelism: 1\nArgon2-Salt: 0f1e2d3c4b5a69788796a5b4c3d2e1f0\n' : '';
  const pubLines = wrap(pubB64).split('\n');
  return Buffer.from(
    `PuTTY-User-Key-File-${version}: ssh-ed25519\r\nEncryption: ${encrypted ? 'aes256-cbc' : 'none'}\r\nComment: eddsa-key-20240501\r\n` +
      `Public-Lines: ${pubLines.length}\r\n${pubLines.join('\r\n')}\r\n${kdf.replace(/\n/g, '\r\n')}Private-Lines: 1\r\n${priv}\r\nPrivate-MAC: ${randomBytes(32).toString('hex')}\r\n`,
  );
}

/** Key files by kind; `ed25519-pub` / `ed25519-cert` are the public key and an SSH certificate (not private keys). */
export function key(kind: KeyKind | 'ed25519-pub' | 'ed25519-cert' | 'x509-cert'): Buffer {
  const hit = made.get(kind);
  if (hit) return hit;
  let out: Buffer;
  if (kind === 'ed25519' || kind === 'ed25519-pub' || kind === 'ed25519-cert') {
    const k = sshKeygen('ed25519', ['-N', ''], true);
    made.set('ed25519', k.priv).set('ed25519-pub', k.pub).set('ed25519-cert', k.cert!);
    return made.get(kind)!;
  }
  if (kind === 'ed25519-enc') out = sshKeygen('ed25519', ['-N', 'correct horse']).priv;
  else if (kind === 'rsa-pem') out = sshKeygen('rsa', ['-b', '2048', '-m', 'PEM', '-N', '']).priv;
  else if (kind === 'rsa-pem-enc') out = sshKeygen('rsa', ['-b', '2048', '-m', 'PEM', '-N', 'correct horse']).priv;
  else if (kind === 'ecdsa-pem') out = sshKeygen('ecdsa', ['-m', 'PEM', '-N', '']).priv;
  else if (kind === 'dsa-pem') out = sshKeygen('dsa', ['-m', 'PEM', '-N', '']).priv;
  else if (kind === 'rsa-pkcs8') out = sshKeygen('rsa', ['-b', '2048', '-m', 'PKCS8', '-N', '']).priv;
  else if (kind === 'openssl-ed25519') out = openssl(['genpkey', '-algorithm', 'ed25519']);
  else if (kind === 'openssl-rsa-enc') out = openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-aes256', '-pass', 'pass:correct horse']);
  else if (kind === 'x509-cert') out = openssl(['req', '-x509', '-newkey', 'ed25519', '-nodes', '-keyout', '/dev/null', '-subj', '/CN=runner.example.com', '-days', '1']);
  else out = putty(kind === 'putty-v2' ? 2 : 3, kind === 'putty-v2');
  made.set(kind, out);
  return out;
}

/** First 12 hex of SHA-256 of the bytes, computed independently of the agent. */
export function sha12(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex').slice(0, 12);
}

/** Text that talks about private keys without being one. */
export const PROSE = `# Deploy keys

Paste the contents of id_ed25519 (it starts with -----BEGIN OPENSSH PRIVATE KEY-----) into the
"PRIVATE KEY" field of the project's CI/CD settings. A PEM key looks like:

    -----BEGIN RSA PRIVATE KEY-----
    ...
    -----END RSA PRIVATE KEY-----

Never commit a PRIVATE KEY to the repository.
`;

export const RUNNER_HOME = '/home/gitlab-runner';
export const CONFIG_PATH = '/etc/gitlab-runner/config.toml';

/** A GitLab Runner host, service as root dropping to gitlab-runner (uid 998), one runner entry (`runners` TOML). */
export async function gitlabHost(t: FixtureTree, runners = '[[runners]]\n  name = "shell-1"\n  executor = "shell"\n'): Promise<void> {
  await t.useradd('gitlab-runner', { uid: 998 });
  await t.file('/usr/bin/gitlab-runner', '#!/bin/sh\n', { mode: 0o755 });
  await t.unit('gitlab-runner.service', gitlabRunnerUnit({ config: CONFIG_PATH, userArg: 'gitlab-runner' }));
  await t.file(CONFIG_PATH, `concurrent = 1\n\n${runners}`, { mode: 0o600 });
}

/** The usual top of the tree: /home, /root (0700), /tmp (1777). */
export async function baseDirs(t: FixtureTree): Promise<void> {
  await t.dir('/home', { mode: 0o755 });
  await t.dir('/root', { mode: 0o700 });
  await t.dir('/tmp', { mode: 0o1777 });
}

/** An installed OpenSSH server: the binary and sshd_config text (Debian's layout when `config` is undefined). */
export async function sshd(t: FixtureTree, config?: string): Promise<void> {
  await t.file('/usr/sbin/sshd', '#!/bin/sh\n', { mode: 0o755 });
  await t.dir('/etc/ssh/sshd_config.d');
  await t.file('/etc/ssh/sshd_config', config ?? DEBIAN_SSHD_CONFIG);
}

/** Debian 12's shipped /etc/ssh/sshd_config, comments trimmed. */
export const DEBIAN_SSHD_CONFIG = `
# This is the sshd server system-wide configuration file.  See
# sshd_config(5) for more information.

Include /etc/ssh/sshd_config.d/*.conf

#PermitRootLogin prohibit-password
#PasswordAuthentication yes
KbdInteractiveAuthentication no
UsePAM yes
X11Forwarding yes
PrintMotd no
AcceptEnv LANG LC_*
Subsystem\tsftp\t/usr/lib/openssh/sftp-server
`;
