import { rm } from 'node:fs/promises';
import check from '../../../checks/host/runner-sudo.js';
import { defineCases } from '../../helpers/check-cases.js';
import { gitlabRunnerUnit, type FixtureTree } from '../../helpers/fixture-tree.js';
import { actionsRunner, officialImage, runnerUnit } from '../github/fixture.js';
import { jenkinsAgent } from '../jenkins/fixture.js';

/** /etc/sudoers as Debian 12's sudo package ships it. */
export const DEBIAN_SUDOERS = `#
# This file MUST be edited with the 'visudo' command as root.
#
# Please consider adding local content in /etc/sudoers.d/ instead of
# directly modifying this file.
#
# See the man page for details on how to write a sudoers file.
#
Defaults\tenv_reset
Defaults\tmail_badpass
Defaults\tsecure_path="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# This fixes CVE-2005-4890 and possibly breaks some versions of kdesu
# (#1011624, https://bugs.kde.org/show_bug.cgi?id=452532)
Defaults\tuse_pty

# Host alias specification

# User alias specification

# Cmnd alias specification

# User privilege specification
root\tALL=(ALL:ALL) ALL

# Allow members of group sudo to execute any command
%sudo\tALL=(ALL:ALL) ALL

# See sudoers(5) for more information on "@include" directives:

@includedir /etc/sudoers.d
`;

/** A GitLab shell runner whose service runs as root and drops to --user gitlab-runner; an admin in group sudo. */
async function runnerHost(t: FixtureTree, sudoers = DEBIAN_SUDOERS): Promise<void> {
  await t.groupadd('sudo', 27);
  await t.useradd('gitlab-runner', { uid: 998 });
  await t.useradd('admin', { uid: 1000, groups: ['sudo'] });
  await t.unit('gitlab-runner.service', gitlabRunnerUnit({ config: '/etc/gitlab-runner/config.toml', userArg: 'gitlab-runner' }));
  await t.file('/etc/gitlab-runner/config.toml', '[[runners]]\n  name = "s"\n  executor = "shell"\n', { mode: 0o600 });
  await t.file('/etc/sudoers', sudoers, { mode: 0o440 });
  await t.file('/etc/sudoers.d/README', '#\n# Files in /etc/sudoers.d are read by sudo via @includedir.\n#\n', { mode: 0o440 });
}

const dropIn = (t: FixtureTree, name: string, text: string | Buffer) => t.file(`/etc/sudoers.d/${name}`, text, { mode: 0o440 });
const GL = 'user:gitlab-runner';

export default defineCases({
  check,
  passing: [
    {
      name: 'Debian sudoers; admin grants, a commented-out runner line, backup (~) and dotted files, !gitlab-runner in an alias, only negated commands',
      build: async (t) => {
        await runnerHost(t);
        await dropIn(t, '90-admin', 'admin ALL=(ALL) NOPASSWD: ALL\n# gitlab-runner ALL=(ALL) NOPASSWD: ALL \\\ngitlab-runner-old ALL=(ALL) ALL\n');
        await dropIn(t, 'runner~', 'gitlab-runner ALL=(ALL) NOPASSWD: ALL\n');
        await dropIn(t, 'runner.dpkg-old', 'gitlab-runner ALL=(ALL) NOPASSWD: ALL\n');
        await dropIn(t, 'ci', 'User_Alias CI = ALL, !gitlab-runner\nCI ALL=(ALL) /usr/bin/apt-get update\ngitlab-runner ALL = (ALL) !ALL\n');
      },
      expect: [
        {
          status: 'pass',
          subject: GL,
          message: 'no sudoers rule grants gitlab-runner a command (by name, uid, its groups gitlab-runner, or ALL)',
          evidence: ['read: /etc/sudoers, /etc/sudoers.d/90-admin, /etc/sudoers.d/README, /etc/sudoers.d/ci', 'gitlab-runner: GitLab Runner job user'],
        },
      ],
    },
    {
      name: 'group docker-users is not docker; a sudoers.d that /etc/sudoers never includes grants nothing',
      build: async (t) => {
        await runnerHost(t, DEBIAN_SUDOERS.replace('@includedir /etc/sudoers.d\n', ''));
        await t.groupadd('docker', 999);
        await t.groupadd('docker-users', 1500);
        await t.addToGroup('gitlab-runner', 'docker');
        await dropIn(t, 'ci', 'gitlab-runner ALL=(ALL) NOPASSWD: ALL\n');
        await t.file('/etc/sudoers', `${DEBIAN_SUDOERS.replace('@includedir /etc/sudoers.d\n', '')}%docker-users ALL=(ALL) ALL\n`, { mode: 0o440 });
      },
      expect: [{ status: 'pass', subject: GL, evidence: ['read: /etc/sudoers', 'uid 998, groups: gitlab-runner, docker'] }],
    },
    {
      name: 'sudo not installed (no /etc/sudoers)',
      build: async (t) => {
        await runnerHost(t);
        await rm(t.p('/etc/sudoers'));
      },
      expect: [{ status: 'pass', subject: GL, message: 'sudo is not configured on this host (no /etc/sudoers)' }],
    },
  ],
  failing: [
    {
      name: 'the official runner image: no unit, runner in group sudo with %sudo NOPASSWD:ALL (found from the runner dir\'s owner)',
      build: (t) => officialImage(t),
      expect: [{ status: 'fail', subject: 'user:runner', message: 'sudo lets runner run any command', evidence: [/%sudo\s+ALL=\(ALL:ALL\) NOPASSWD:ALL \(via group sudo\)/, 'runner: Actions runner /home/runner'] }],
    },
    {
      name: 'Jenkins agent user with passwordless sudo from a sudoers.d drop-in (the agent user is a runner user)',
      build: async (t) => {
        await t.file('/etc/sudoers', DEBIAN_SUDOERS, { mode: 0o440 });
        await jenkinsAgent(t);
        await t.file('/etc/sudoers.d/jenkins', 'jenkins ALL=(ALL) NOPASSWD: ALL\n', { mode: 0o440 });
      },
      expect: [{ status: 'fail', subject: 'user:jenkins', message: 'sudo lets jenkins run any command', evidence: ['/etc/sudoers.d/jenkins:1: jenkins ALL=(ALL) NOPASSWD: ALL (via user jenkins)', /jenkins: Jenkins agent jenkins-agent\.service, Jenkins user/] }],
    },
    {
      name: 'a NOPASSWD rule for two commands in a drop-in, continued over two lines',
      build: async (t) => {
        await runnerHost(t);
        await dropIn(t, 'gitlab-runner', 'gitlab-runner ALL=(root) NOPASSWD: /usr/bin/systemctl restart app, \\\n    /usr/bin/journalctl\n');
      },
      expect: [
        {
          status: 'fail',
          subject: GL,
          message: 'sudo lets gitlab-runner run /usr/bin/systemctl restart app, /usr/bin/journalctl (1 rule)',
          evidence: [/^\/etc\/sudoers\.d\/gitlab-runner:1: gitlab-runner ALL=\(root\) NOPASSWD: \/usr\/bin\/systemctl restart app, \/usr\/bin\/journalctl \(via user gitlab-runner\)$/],
        },
      ],
    },
    {
      name: 'via %group, #uid and a User_Alias; #includedir (old form); %ci-admins is not %ci',
      build: async (t) => {
        await runnerHost(t, DEBIAN_SUDOERS.replace('@includedir', '#includedir'));
        await t.groupadd('ci', 1500);
        await t.groupadd('ci-admins', 1501);
        await t.addToGroup('gitlab-runner', 'ci');
        await dropIn(t, 'ci', '%ci-admins ALL=(ALL) ALL\n%ci ALL=(ALL) /usr/bin/docker\n#998 ALL=(ALL) /bin/true # uid of the runner\nUser_Alias BUILDERS = alice, \\\n\tgitlab-runner\nBUILDERS ALL = (ALL) ALL\n');
      },
      expect: [
        {
          status: 'fail',
          subject: GL,
          message: 'sudo lets gitlab-runner run any command (3 rules)',
          evidence: [
            '/etc/sudoers.d/ci:2: %ci ALL=(ALL) /usr/bin/docker (via group ci)',
            '/etc/sudoers.d/ci:3: #998 ALL=(ALL) /bin/true (via uid 998)',
            /^\/etc\/sudoers\.d\/ci:6: BUILDERS ALL = \(ALL\) ALL \(via User_Alias BUILDERS: user gitlab-runner\)$/,
          ],
        },
      ],
    },
    {
      name: 'runner user in group sudo (Debian %sudo line), matched by %#gid too',
      build: async (t) => {
        await runnerHost(t);
        await t.addToGroup('gitlab-runner', 'sudo');
        await dropIn(t, 'gid', '%#27 ALL=(ALL) NOPASSWD: /usr/bin/apt-get\n');
      },
      expect: [
        {
          status: 'fail',
          subject: GL,
          message: 'any command (2 rules)',
          evidence: ['/etc/sudoers:27: %sudo\tALL=(ALL:ALL) ALL (via group sudo)', '/etc/sudoers.d/gid:1: %#27 ALL=(ALL) NOPASSWD: /usr/bin/apt-get (via group sudo (gid 27))'],
        },
      ],
    },
    {
      name: '@include of a relative file with ALL ALL=(ALL) NOPASSWD: ALL; "!gitlab-runner, ALL" (the last match wins)',
      build: async (t) => {
        await runnerHost(t, `${DEBIAN_SUDOERS}@include sudoers.local\n`);
        await t.file('/etc/sudoers.local', 'ALL ALL=(ALL) NOPASSWD: ALL\n!gitlab-runner, ALL ALL = /usr/bin/id\n', { mode: 0o440 });
      },
      expect: [{ status: 'fail', subject: GL, message: '(2 rules)', evidence: ['/etc/sudoers.local:1: ALL ALL=(ALL) NOPASSWD: ALL (via ALL)', '/etc/sudoers.local:2: !gitlab-runner, ALL ALL = /usr/bin/id (via ALL)'] }],
    },
    {
      name: '@include with %h (the host name); a broken drop-in does not hide the grant',
      build: async (t) => {
        await runnerHost(t, `${DEBIAN_SUDOERS}@include "/etc/sudoers-%h"\n`);
        await t.file('/etc/sudoers-fixture-host', 'gitlab-runner fixture-host = (ALL) SETENV: NOPASSWD: /usr/bin/make\n', { mode: 0o440 });
        await dropIn(t, 'broken', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0]));
      },
      expect: [
        {
          status: 'fail',
          subject: GL,
          message: 'run /usr/bin/make (1 rule)',
          evidence: ['/etc/sudoers-fixture-host:1: gitlab-runner fixture-host = (ALL) SETENV: NOPASSWD: /usr/bin/make (via user gitlab-runner)', 'not evaluated: /etc/sudoers.d/broken: binary data, not a sudoers file'],
        },
      ],
    },
    {
      name: 'an Actions runner user in group wheel (RHEL style), the GitLab runner user clean: one finding each',
      build: async (t) => {
        await runnerHost(t, `${DEBIAN_SUDOERS}%wheel ALL=(ALL) ALL\n`);
        await t.groupadd('wheel', 10);
        await actionsRunner(t);
        await t.addToGroup('gh', 'wheel');
      },
      expect: [
        { status: 'fail', subject: 'user:gh', message: 'sudo lets gh run any command (1 rule)', evidence: [/\(via group wheel\)$/, 'gh: Actions runner /home/gh/actions-runner'] },
        { status: 'pass', subject: GL },
      ],
    },
  ],
  notApplicable: [
    { name: 'no runner', build: async () => {}, expect: [{ status: 'skip', subject: 'sudo', message: 'no GitLab Runner, Actions runner or Jenkins agent on this host' }] },
    {
      name: 'every runner runs as root (RG-RUN-001 / RG-GHA-001 report it)',
      build: async (t) => {
        await t.unit('gitlab-runner.service', gitlabRunnerUnit({ config: '/etc/gitlab-runner/config.toml' }));
        await t.file('/etc/gitlab-runner/config.toml', '[[runners]]\n  name = "s"\n  executor = "shell"\n', { mode: 0o600 });
        await t.unit('actions.runner.acme-app.build-1.service', runnerUnit({ user: 'root' }));
        await t.file('/etc/sudoers', DEBIAN_SUDOERS, { mode: 0o440 });
      },
      expect: [{ status: 'skip', subject: 'sudo', message: 'every runner runs as root' }],
    },
  ],
  errors: [
    {
      name: 'binary garbage in a sudoers.d file, no grant elsewhere',
      build: async (t) => {
        await runnerHost(t);
        await dropIn(t, 'broken', Buffer.from([0, 1, 2, 0xff]));
      },
      expect: [{ status: 'error', subject: GL, message: 'cannot tell whether sudo grants gitlab-runner anything: /etc/sudoers.d/broken: binary data' }],
    },
    {
      name: 'a line sudo would reject: error with file:line',
      build: async (t) => {
        await runnerHost(t);
        await dropIn(t, '50-ci', 'Defaults:gitlab-runner !requiretty\ngitlab-runner ALL\n');
      },
      expect: [{ status: 'error', subject: GL, message: /\/etc\/sudoers\.d\/50-ci:2: not a valid sudoers line \(expected "="\): gitlab-runner ALL$/ }],
    },
    {
      name: '@include names a directory',
      build: async (t) => {
        await runnerHost(t, `${DEBIAN_SUDOERS}@include /etc/sudoers.local\n`);
        await t.dir('/etc/sudoers.local');
      },
      expect: [{ status: 'error', subject: GL, message: '/etc/sudoers.local: is a directory' }],
    },
  ],
});
