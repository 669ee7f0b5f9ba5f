import check from '../../../checks/ssh/runner-authorized-keys.js';
import { defineCases } from '../../helpers/check-cases.js';
import { gitlabRunnerUnit, type FixtureTree } from '../../helpers/fixture-tree.js';
import { actionsRunner } from '../github/fixture.js';
import { DEBIAN_SSHD_CONFIG, gitlabHost, key, RUNNER_HOME, sshd } from './fixture.js';

const RUNNER = { uid: 998, gid: 998 };
const SUBJECT = 'user:gitlab-runner';
const AK = `${RUNNER_HOME}/.ssh/authorized_keys`;
const ROLE = 'GitLab Runner job user';

const pub = () => key('ed25519-pub').toString().trim();
const RSA_PUB = 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7vbqajDhA4Vl0qQyS9nH1c3Zrj2mH4lXLFtYSmG9Jk4QEuxFh0nK5ZJp3h5sS0x2aNBFpLbWYcFz6H4CcD2y1 old-admin@laptop';

/** The usual runner host with sshd in Debian's layout; `keys` is written to ~gitlab-runner/.ssh/authorized_keys. */
async function host(t: FixtureTree, keys?: string, config = DEBIAN_SSHD_CONFIG): Promise<void> {
  await gitlabHost(t);
  await sshd(t, config);
  if (keys !== undefined) await t.file(AK, keys, { mode: 0o600, ...RUNNER });
}

export default defineCases({
  check,
  passing: [
    {
      name: 'no ~/.ssh at all',
      build: (t) => host(t),
      expect: [
        {
          status: 'pass',
          subject: SUBJECT,
          message: `no authorized keys for gitlab-runner (${AK}, ${AK}2)`,
          evidence: [ROLE, 'default: AuthorizedKeysFile .ssh/authorized_keys .ssh/authorized_keys2'],
        },
      ],
    },
    {
      name: 'authorized_keys with only comments and blank lines',
      build: (t) => host(t, `# keys are managed by ansible\n\n   \n# ${pub()}\n`),
      expect: [{ status: 'pass', subject: SUBJECT }],
    },
    {
      name: 'AuthorizedKeysFile /etc/ssh/authorized_keys/%u: keys in ~/.ssh are not read by sshd',
      build: async (t) => {
        await host(t, `${pub()}\n`);
        await t.file('/etc/ssh/sshd_config.d/10-central-keys.conf', 'AuthorizedKeysFile /etc/ssh/authorized_keys/%u\n');
        await t.file('/etc/ssh/authorized_keys/admin', `${pub()}\n`);
      },
      expect: [
        {
          status: 'pass',
          subject: SUBJECT,
          message: '(/etc/ssh/authorized_keys/gitlab-runner)',
          evidence: ['/etc/ssh/sshd_config.d/10-central-keys.conf:1: AuthorizedKeysFile /etc/ssh/authorized_keys/%u'],
        },
      ],
    },
    {
      name: 'Match User gitlab-runner sets AuthorizedKeysFile none',
      build: (t) => host(t, `${pub()}\n`, `${DEBIAN_SSHD_CONFIG}Match User gitlab-runner,deploy\n\tAuthorizedKeysFile none\n`),
      expect: [{ status: 'pass', subject: SUBJECT, message: '(AuthorizedKeysFile none)', evidence: ['/etc/ssh/sshd_config:16: AuthorizedKeysFile none'] }],
    },
    {
      name: 'the runner user has no account in /etc/passwd',
      build: async (t) => {
        await sshd(t);
        await t.file('/usr/bin/gitlab-runner', '#!/bin/sh\n', { mode: 0o755 });
        await t.unit('gitlab-runner.service', gitlabRunnerUnit({ user: 'ghost' }));
      },
      expect: [{ status: 'pass', subject: 'user:ghost', message: 'ghost has no account in /etc/passwd' }],
    },
  ],
  failing: [
    {
      name: 'two keys, one with options: count, types and option names, never the keys or option values',
      build: (t) => host(t, `# deploy\n${pub()}\n\ncommand="/usr/bin/backup --token=s3cr3t",no-pty,from="10.0.0.0/8" ${RSA_PUB}\n`),
      expect: [
        {
          status: 'fail',
          subject: SUBJECT,
          message: '2 authorized keys let their holders log in as gitlab-runner over SSH',
          evidence: [`${AK}: 2 keys: line 2 ssh-ed25519, line 4 ssh-rsa [command,no-pty,from]`, ROLE],
        },
      ],
    },
    {
      name: 'authorized_keys2 counts too (the default AuthorizedKeysFile lists it)',
      build: async (t) => {
        await host(t);
        await t.file(`${AK}2`, `restrict ${pub()}\n`, { mode: 0o600, ...RUNNER });
      },
      expect: [{ status: 'fail', subject: SUBJECT, message: '1 authorized key lets its holder log in as gitlab-runner over SSH', evidence: [`${AK}2: 1 key: line 1 ssh-ed25519 [restrict]`] }],
    },
    {
      name: 'AuthorizedKeysFile with %h and %u tokens, set in a drop-in',
      build: async (t) => {
        await host(t);
        await t.file('/etc/ssh/sshd_config.d/20-keys.conf', 'AuthorizedKeysFile %h/.config/ssh/keys_%u /srv/ssh/%%/%U\n');
        await t.file(`${RUNNER_HOME}/.config/ssh/keys_gitlab-runner`, `${pub()}\n`, { mode: 0o600, ...RUNNER });
        await t.file('/srv/ssh/%/998', `${RSA_PUB}\n`);
      },
      expect: [
        {
          status: 'fail',
          subject: SUBJECT,
          message: '2 authorized keys',
          evidence: [`${RUNNER_HOME}/.config/ssh/keys_gitlab-runner: 1 key: line 1 ssh-ed25519`, '/srv/ssh/%/998: 1 key: line 1 ssh-rsa'],
        },
      ],
    },
    {
      name: 'Match Group ci points the runner user at another file',
      build: async (t) => {
        await t.groupadd('ci', 2000);
        await host(t, undefined, `AuthorizedKeysFile none\nMatch Group ci,!wheel\n  AuthorizedKeysFile /srv/keys/%u\n`);
        await t.addToGroup('gitlab-runner', 'ci');
        await t.file('/srv/keys/gitlab-runner', `${pub()}\n`);
      },
      expect: [{ status: 'fail', subject: SUBJECT, evidence: ['/srv/keys/gitlab-runner: 1 key', '/etc/ssh/sshd_config:3: AuthorizedKeysFile /srv/keys/%u'] }],
    },
    {
      name: 'GitHub Actions runner user with a key; sshd not installed yet',
      build: async (t) => {
        await actionsRunner(t);
        await t.file('/home/gh/.ssh/authorized_keys', `${pub()}\n`, { mode: 0o600, uid: 1200, gid: 1200 });
      },
      expect: [
        {
          status: 'fail',
          subject: 'user:gh',
          message: '1 authorized key lets its holder log in as gh over SSH',
          evidence: ['sshd is not installed: these keys count as soon as it is', '/home/gh/.ssh/authorized_keys: 1 key', 'source: sshd defaults (no /etc/ssh/sshd_config)'],
        },
      ],
    },
  ],
  notApplicable: [
    {
      name: 'no runner on the host',
      build: (t) => sshd(t),
      expect: [{ status: 'skip', subject: 'authorized_keys', message: 'no non-root runner user' }],
    },
    {
      name: 'the runner runs everything as root (RG-RUN-001 reports it)',
      build: async (t) => {
        await sshd(t);
        await t.file('/usr/bin/gitlab-runner', '#!/bin/sh\n', { mode: 0o755 });
        await t.unit('gitlab-runner.service', gitlabRunnerUnit({}));
      },
      expect: [{ status: 'skip', subject: 'authorized_keys' }],
    },
  ],
  errors: [
    {
      name: 'authorized_keys is a directory',
      build: async (t) => {
        await host(t);
        await t.dir(AK);
      },
      expect: [{ status: 'error', subject: SUBJECT, message: `cannot tell whether gitlab-runner accepts SSH logins: ${AK}: is a directory` }],
    },
    {
      name: 'binary garbage in authorized_keys',
      build: (t) => host(t).then(() => t.file(AK, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3]), { mode: 0o600, ...RUNNER })).then(() => undefined),
      expect: [{ status: 'error', subject: SUBJECT, message: `${AK}: binary data` }],
    },
    {
      name: 'lines that are not keys',
      build: (t) => host(t, '# keys\nhello world\nssh-ed25519\n'),
      expect: [{ status: 'error', subject: SUBJECT, message: `${AK}:2: not an authorized key` }],
    },
    {
      name: 'AuthorizedKeysFile with an unknown % token',
      build: (t) => host(t, undefined, 'AuthorizedKeysFile /etc/ssh/keys/%x\n'),
      expect: [{ status: 'error', subject: SUBJECT, message: 'AuthorizedKeysFile /etc/ssh/keys/%x: unknown % token' }],
    },
  ],
});
