import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../agent/config/schema.js';
import { SecretRegistry } from '../../../agent/engine/redact.js';
import { runAudit } from '../../../agent/engine/run-checks.js';
import { createFacts } from '../../../agent/facts/index.js';
import { sshdForUser } from '../../../agent/facts/sshd.js';
import { parseSshdConfig, TRACKED, type Tracked } from '../../../agent/facts/sshd-config.js';
import { createHost } from '../../../agent/host/index.js';
import sshdLogins from '../../../checks/ssh/sshd-logins.js';

/**
 * Differential test: our reading of sshd_config against the real sshd's
 * (`sshd -T -f <fixture>`, and `-C user=<name>` for Match blocks), on the
 * same files. Installed by test/setup/apt-deps.sh (openssh-server).
 */
const SSHD = '/usr/sbin/sshd';
const DEFAULTS: Record<Tracked, string> = { permitrootlogin: 'prohibit-password', passwordauthentication: 'yes', authorizedkeysfile: '.ssh/authorized_keys .ssh/authorized_keys2' };
const USERS = [undefined, 'root', 'nobody'];

let dir = '';
let hostKey = '';
let madeRunDir = false;

beforeAll(() => {
  expect(existsSync(SSHD), `${SSHD} missing: run test/setup/apt-deps.sh (openssh-server)`).toBe(true);
  dir = mkdtempSync(path.join(os.tmpdir(), 'rg-sshd-'));
  hostKey = path.join(dir, 'host_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  // sshd -T insists on its privilege separation dir, which systemd creates when the service starts.
  if (!existsSync('/run/sshd')) {
    mkdirSync('/run/sshd', { mode: 0o755 });
    madeRunDir = true;
  }
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (madeRunDir) rmdirSync('/run/sshd');
});

type Effective = Record<Tracked, string> | { error: true };

function theirs(config: string, user?: string): Effective {
  const r = spawnSync(SSHD, ['-T', '-f', config, '-h', hostKey, ...(user ? ['-C', `user=${user}`] : [])], { env: { LC_ALL: 'C' }, encoding: 'utf8' });
  if (r.status !== 0) return { error: true };
  const out: Record<string, string> = { authorizedkeysfile: 'none' }; // sshd prints no line for "none"
  for (const line of r.stdout.split('\n')) {
    const [k, ...v] = line.split(' ');
    if ((TRACKED as readonly string[]).includes(k!)) out[k!] = v.join(' ').replace(/^without-password$/, 'prohibit-password');
  }
  return out as Record<Tracked, string>;
}

async function ours(config: string, user?: string): Promise<Effective> {
  const host = createHost({ root: '/' });
  const users = await host.users();
  const r = await parseSshdConfig(host.fs, users, config, user ? { name: user, groups: users.groupsOf(user).map((g) => g.name) } : undefined);
  if (r.errors.length) return { error: true };
  return Object.fromEntries(TRACKED.map((k) => [k, r.values.get(k)?.args.join(' ') ?? DEFAULTS[k]])) as Record<Tracked, string>;
}

/** Files of one case; "sshd_config" is the main file. @D@ is the case dir, @R@ the same dir relative to /etc/ssh. */
type Files = Record<string, string>;

const GLOB_NAMES = ['10-a', '9-b', 'A', 'a', '_x', 'Z~', '-y'];
const globPairs: Array<[string, Files]> = GLOB_NAMES.flatMap((x, i) =>
  GLOB_NAMES.slice(i + 1).map((y): [string, Files] => [
    `Include glob order: ${x}.conf vs ${y}.conf`,
    { sshd_config: 'Include @D@/d/*.conf\n', [`d/${x}.conf`]: `AuthorizedKeysFile /${x}\n`, [`d/${y}.conf`]: `AuthorizedKeysFile /${y}\n` },
  ]),
);

const CASES: Array<[string, Files]> = [
  ['empty config: defaults', { sshd_config: '' }],
  ['first value wins', { sshd_config: 'PermitRootLogin yes\nPermitRootLogin no\nPasswordAuthentication no\nPasswordAuthentication yes\nAuthorizedKeysFile /a\nAuthorizedKeysFile /b\n' }],
  ['keywords and values in any case', { sshd_config: 'permitrootlogin No\nPASSWORDAUTHENTICATION=YES\nauthorizedKEYSfile .ssh/a .ssh/b\n' }],
  ['Keyword = value, tabs, quotes, trailing comments, CRLF', { sshd_config: '\tPermitRootLogin  =  "no"  # root stays out\r\nPasswordAuthentication=no\r\n   # PermitRootLogin yes\r\nAuthorizedKeysFile ".ssh/my keys" \'%h/x\' # two\r\n' }],
  ['PermitRootLogin spellings', { sshd_config: 'PermitRootLogin without-password\n' }],
  ['forced-commands-only', { sshd_config: 'PermitRootLogin forced-commands-only\n' }],
  [
    'Debian layout: drop-ins included at the top win',
    {
      sshd_config: 'Include @D@/sshd_config.d/*.conf\nPasswordAuthentication no\nPermitRootLogin yes\n',
      'sshd_config.d/50-cloud-init.conf': 'PasswordAuthentication yes\n',
      'sshd_config.d/00-hardening.conf': 'PermitRootLogin no\n',
    },
  ],
  ['Include relative to /etc/ssh', { sshd_config: 'Include @R@/rel/*.conf\n', 'rel/x.conf': 'PermitRootLogin no\n' }],
  ['Include of nothing: no match, missing file', { sshd_config: 'Include @D@/none/*.conf @D@/missing.conf\nPermitRootLogin no\n' }],
  ['Include arguments in the order written', { sshd_config: 'Include @D@/b.conf @D@/a.conf\n', 'a.conf': 'PermitRootLogin yes\n', 'b.conf': 'PermitRootLogin no\n' }],
  ['Include skips dot files', { sshd_config: 'Include @D@/d/*\n', 'd/.hidden': 'PermitRootLogin yes\n', 'd/z': 'PermitRootLogin no\n' }],
  ...globPairs,
  [
    'Match User/Group blocks, Match all',
    {
      sshd_config:
        'PasswordAuthentication yes\nMatch User root # admins\n  PermitRootLogin no\n  AuthorizedKeysFile /root-only\nMatch Group nogroup\n  PasswordAuthentication no\nMatch all\nPermitRootLogin yes\n',
    },
  ],
  ['Match with negation', { sshd_config: 'Match User *,!root\n  AuthorizedKeysFile none\nMatch Group !root,*\n  PermitRootLogin no\n' }],
  ['Match Address never matches a test connection without addr', { sshd_config: 'Match Address 127.0.0.0/8\n  PasswordAuthentication no\nMatch Host *\n  PermitRootLogin no\n' }],
  [
    'a Match in an included file ends with that file',
    { sshd_config: 'Include @D@/m.conf\nPasswordAuthentication yes\nPermitRootLogin no\n', 'm.conf': 'AuthorizedKeysFile /m\nMatch User root\n  PasswordAuthentication no\n  PermitRootLogin yes\n' },
  ],
  [
    'an Include inside a Match block',
    {
      sshd_config: 'Match User root\n  Include @D@/inner.conf\nMatch all\nPasswordAuthentication no\n',
      'inner.conf': 'PermitRootLogin no\nMatch all\nAuthorizedKeysFile /inner\n',
    },
  ],
  ['Match all then Match User: after a global setting', { sshd_config: 'PasswordAuthentication yes\nMatch all\nPasswordAuthentication no\nMatch User nobody\nPermitRootLogin no\n' }],
  ['~ in AuthorizedKeysFile', { sshd_config: 'AuthorizedKeysFile ~/.ssh/ak ~nobody/keys %h/.ssh/x %u\n' }],
  ['error: unsupported value', { sshd_config: 'PermitRootLogin maybe\n' }],
  ['error: unsupported value inside a Match block', { sshd_config: 'Match User nobody\n  PasswordAuthentication perhaps\n' }],
  ['error: no argument', { sshd_config: 'PermitRootLogin\n' }],
  ['error: extra argument', { sshd_config: 'PasswordAuthentication no yes\n' }],
  ['error: unbalanced quotes', { sshd_config: 'PermitRootLogin "no\n' }],
  ['error: bad Match', { sshd_config: 'Match Colour blue\n  PermitRootLogin no\n' }],
  ['error: Include loop', { sshd_config: 'Include @D@/loop.conf\n', 'loop.conf': 'Include @D@/loop.conf\n' }],
  ['error: Include loop fanning out', { sshd_config: 'Include @D@/fan/*.conf\n', ...Object.fromEntries(['a', 'b', 'c', 'd'].map((x) => [`fan/${x}.conf`, 'Include @D@/fan/*.conf\n'])) }],
];

describe('sshd_config parser agrees with sshd -T', () => {
  CASES.forEach(([name, files], i) => {
    it(name, async () => {
      const caseDir = path.join(dir, `case-${i}`);
      const expand = (s: string) => s.replace(/@D@/g, caseDir).replace(/@R@/g, `../..${caseDir}`);
      for (const [rel, text] of Object.entries(files)) {
        mkdirSync(path.dirname(path.join(caseDir, rel)), { recursive: true });
        writeFileSync(path.join(caseDir, rel), expand(text));
      }
      const config = path.join(caseDir, 'sshd_config');
      for (const user of USERS) {
        const want = theirs(config, user);
        expect(await ours(config, user), `${name}, ${user ? `-C user=${user}` : 'global'}`).toEqual(want);
        if (name.startsWith('error:')) expect(want).toEqual({ error: true });
      }
    });
  });
});

describe('sshd settings on this live host', () => {
  it('for a user: sshd -T -C user=<name>, and the parsed files agree with it', async () => {
    const facts = createFacts(createHost(), defaultConfig(), new SecretRegistry());
    const s = await facts.get(sshdForUser('nobody'));
    expect(s.source).toBe(`${SSHD} -T -C user=nobody`);
    for (const k of TRACKED) expect(s.settings[k].origin, k).toMatch(/confirmed by sshd -T$/);
  });


  it('RG-SSH-003 reads the effective settings from sshd -T, and the parsed files agree with it', async () => {
    const report = await runAudit({ host: createHost(), config: defaultConfig(), checks: [sshdLogins] });
    expect(report.findings).toHaveLength(1);
    const ev = report.findings[0]!.evidence;
    expect(ev).toContain(`source: ${SSHD} -T`);
    expect(ev.filter((e) => /confirmed by sshd -T: (PermitRootLogin|PasswordAuthentication) \S+$/.test(e))).toHaveLength(2);
  });
});
