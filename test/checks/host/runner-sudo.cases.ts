import check from '../../../checks/host/runner-sudo.js';
import { defineCases } from '../../helpers/check-cases.js';
import { gitlabRunnerUnit, type FixtureTree } from '../../helpers/fixture-tree.js';

const DEBIAN_SUDOERS = `#
# This file MUST be edited with the 'visudo' command as root.
#
Defaults\tenv_reset
Defaults\tmail_badpass
Defaults\tsecure_path="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# User privilege specification
root\tALL=(ALL:ALL) ALL

# Allow members of group sudo to execute any command
%sudo\tALL=(ALL:ALL) ALL

# See sudoers(5) for more information on "@include" directives:

@includedir /etc/sudoers.d
`;

async function runnerHost(t: FixtureTree): Promise<void> {
  await t.groupadd('sudo', 27);
  await t.useradd('gitlab-runner', { uid: 998 });
  await t.useradd('admin', { uid: 1000, groups: ['sudo'] });
  await t.unit('gitlab-runner.service', gitlabRunnerUnit({ config: '/etc/gitlab-runner/config.toml', userArg: 'gitlab-runner' }));
  await t.file('/etc/gitlab-runner/config.toml', '[[runners]]\n  name = "s"\n  executor = "shell"\n', { mode: 0o600 });
  await t.file('/etc/sudoers', DEBIAN_SUDOERS, { mode: 0o440 });
  await t.file('/etc/sudoers.d/README', '# files in this directory are read by sudo\n', { mode: 0o440 });
}

export default defineCases({
  check,
  passing: [
    {
      name: 'Debian default sudoers; grants to admin, a commented-out runner line, a backup file and a dotted file ignored',
      build: async (t) => {
        await runnerHost(t);
        await t.file('/etc/sudoers.d/90-admin', 'admin ALL=(ALL) NOPASSWD: ALL\n# gitlab-runner ALL=(ALL) NOPASSWD: ALL\n', { mode: 0o440 });
        await t.file('/etc/sudoers.d/runner~', 'gitlab-runner ALL=(ALL) NOPASSWD: ALL\n', { mode: 0o440 });
        await t.file('/etc/sudoers.d/runner.bak', 'gitlab-runner ALL=(ALL) NOPASSWD: ALL\n', { mode: 0o440 });
        await t.file('/etc/sudoers.d/negated', 'User_Alias CI = ALL, !gitlab-runner\nCI ALL=(ALL) /usr/bin/apt-get update\n', { mode: 0o440 });
      },
      expect: [{ status: 'pass', subject: 'user:gitlab-runner', evidence: [/read: \/etc\/sudoers, .*\/etc\/sudoers\.d\/90-admin/] }],
    },
    {
      name: 'sudo not installed',
      build: async (t) => {
        await runnerHost(t);
        const { rm } = await import('node:fs/promises');
        await rm(t.p('/etc/sudoers'));
      },
      expect: [{ status: 'pass', subject: 'user:gitlab-runner', message: 'sudo is not installed' }],
    },
  ],
  failing: [
    {
      name: 'a NOPASSWD rule for one command in a drop-in (continued line)',
      build: async (t) => {
        await runnerHost(t);
        await t.file('/etc/sudoers.d/gitlab-runner', 'gitlab-runner ALL=(root) NOPASSWD: /usr/bin/systemctl restart app, \\\n    /usr/bin/journalctl\n', { mode: 0o440 });
      },
      expect: [{ status: 'fail', subject: 'user:gitlab-runner', evidence: [/^\/etc\/sudoers\.d\/gitlab-runner:1: gitlab-runner ALL=\(root\) NOPASSWD: \/usr\/bin\/systemctl restart app,\s+\/usr\/bin\/journalctl$/] }],
    },
    {
      name: 'via a group (%docker-users... exact %ci), a #uid, a User_Alias and ALL; #includedir old form',
      build: async (t) => {
        await runnerHost(t);
        await t.groupadd('ci', 1500);
        await t.addToGroup('gitlab-runner', 'ci');
        await t.file('/etc/sudoers', DEBIAN_SUDOERS.replace('@includedir', '#includedir'), { mode: 0o440 });
        await t.file('/etc/sudoers.d/ci', '%ci-admins ALL=(ALL) ALL\n%ci ALL=(ALL) /usr/bin/docker\n#998 ALL=(ALL) /bin/true # uid of the runner\nUser_Alias BUILDERS = alice, gitlab-runner\nBUILDERS ALL = (ALL) ALL\n', { mode: 0o440 });
      },
      expect: [{ status: 'fail', subject: 'user:gitlab-runner', message: '(3 rules)', evidence: ['/etc/sudoers.d/ci:2: %ci ALL=(ALL) /usr/bin/docker', '/etc/sudoers.d/ci:3: #998 ALL=(ALL) /bin/true', '/etc/sudoers.d/ci:5: BUILDERS ALL = (ALL) ALL'] }],
    },
    {
      name: '@include of a relative file with ALL ALL=(ALL) ALL',
      build: async (t) => {
        await runnerHost(t);
        await t.file('/etc/sudoers', `${DEBIAN_SUDOERS}@include sudoers.local\n`, { mode: 0o440 });
        await t.file('/etc/sudoers.local', 'ALL ALL=(ALL) NOPASSWD: ALL\n', { mode: 0o440 });
      },
      expect: [{ status: 'fail', subject: 'user:gitlab-runner', evidence: ['/etc/sudoers.local:1: ALL ALL=(ALL) NOPASSWD: ALL'] }],
    },
  ],
  notApplicable: [
    { name: 'no runner', build: async () => {}, expect: [{ status: 'skip', subject: 'sudo' }] },
    {
      name: 'runner runs everything as root (RG-RUN-001\'s finding)',
      build: async (t) => {
        await t.unit('gitlab-runner.service', gitlabRunnerUnit({ config: '/etc/gitlab-runner/config.toml' }));
        await t.file('/etc/gitlab-runner/config.toml', '[[runners]]\n  name = "s"\n  executor = "shell"\n', { mode: 0o600 });
      },
      expect: [{ status: 'skip', subject: 'sudo' }],
    },
  ],
  errors: [
    {
      name: 'binary garbage in a sudoers.d file',
      build: async (t) => {
        await runnerHost(t);
        await t.file('/etc/sudoers.d/broken', Buffer.from([0, 1, 2, 0xff]), { mode: 0o440 });
      },
      expect: [
        { status: 'error', subject: '/etc/sudoers.d/broken', message: 'binary data' },
        { status: 'pass', subject: 'user:gitlab-runner' },
      ],
    },
  ],
});
