import { lchown } from 'node:fs/promises';
import check from '../../../checks/runner/run-as-non-root.js';
import { defineCases } from '../../helpers/check-cases.js';
import { gitlabRunnerInitScript, gitlabRunnerUnit, type FixtureTree } from '../../helpers/fixture-tree.js';

const CONFIG = 'concurrent = 1\n[[runners]]\n  name = "r1"\n  executor = "docker"\n';

async function withRunnerUser(t: FixtureTree): Promise<void> {
  await t.useradd('gitlab-runner', { uid: 998 });
  await t.file('/usr/bin/gitlab-runner', '#!/bin/sh\n', { mode: 0o755 });
  await t.file('/etc/gitlab-runner/config.toml', CONFIG, { mode: 0o600 });
}

export default defineCases({
  check,
  passing: [
    {
      name: 'gitlab-runner install --user-service by ci: a systemd user unit, config in ~ci/.gitlab-runner; jobs run as ci, not root',
      build: async (t) => {
        await t.file('/usr/bin/gitlab-runner', '#!/bin/sh\n', { mode: 0o755 });
        await t.useradd('ci', { uid: 1300 });
        await t.file('/home/ci/.gitlab-runner/config.toml', CONFIG, { mode: 0o600, uid: 1300, gid: 1300 });
        await t.file('/home/ci/.config/systemd/user/gitlab-runner.service', gitlabRunnerUnit({ service: 'gitlab-runner', config: '/home/ci/.gitlab-runner/config.toml', workingDirectory: '/home/ci', userService: true }), { uid: 1300, gid: 1300 });
      },
      expect: [{ status: 'pass', subject: 'service:gitlab-runner.service', message: 'the service and its jobs run as ci', evidence: ['unit /home/ci/.config/systemd/user/gitlab-runner.service', 'systemd user unit of ci'] }],
    },
    {
      name: 'service runs as User=gitlab-runner',
      build: async (t) => {
        await withRunnerUser(t);
        await t.unit('gitlab-runner.service', gitlabRunnerUnit({ user: 'gitlab-runner' }));
      },
      expect: [{ status: 'pass', subject: 'service:gitlab-runner.service', message: 'run as gitlab-runner' }],
    },
    {
      name: 'User= set in a drop-in overrides the vendor unit',
      build: async (t) => {
        await withRunnerUser(t);
        await t.unit('gitlab-runner.service', gitlabRunnerUnit({ userArg: 'gitlab-runner' }), '/lib/systemd/system');
        await t.file('/etc/systemd/system/gitlab-runner.service.d/10-user.conf', '[Service]\nUser=gitlab-runner\n');
      },
      expect: [{ status: 'pass', subject: 'service:gitlab-runner.service', evidence: [/10-user\.conf/] }],
    },
  ],
  failing: [
    {
      name: 'User=root set in the top-level service.d of /usr/local/lib (read now): jobs run as root',
      build: async (t) => {
        await withRunnerUser(t);
        await t.unit('gitlab-runner.service', gitlabRunnerUnit({ user: 'gitlab-runner' }));
        await t.file('/usr/local/lib/systemd/system/service.d/zz-root.conf', '[Service]\nUser=root\n');
      },
      expect: [{ status: 'fail', subject: 'service:gitlab-runner.service', message: 'jobs run as root' }],
    },
    {
      name: 'a second service (install --service runner-2 --config /etc/gitlab-runner/runner-2.toml, no --user) is audited beside the first',
      build: async (t) => {
        await withRunnerUser(t);
        await t.unit('gitlab-runner.service', gitlabRunnerUnit({ user: 'gitlab-runner' }));
        await t.unit('runner-2.service', gitlabRunnerUnit({ service: 'runner-2', config: '/etc/gitlab-runner/runner-2.toml', workingDirectory: '/srv/runner-2' }));
        await t.file('/etc/gitlab-runner/runner-2.toml', CONFIG, { mode: 0o600 });
      },
      expect: [
        { status: 'pass', subject: 'service:gitlab-runner.service' },
        { status: 'fail', subject: 'service:runner-2', message: 'jobs run as root (no User= and no --user)', evidence: ['unit /etc/systemd/system/runner-2.service'] },
      ],
    },
    {
      name: 'no User= and no --user: everything runs as root',
      build: async (t) => {
        await withRunnerUser(t);
        await t.unit('gitlab-runner.service', gitlabRunnerUnit({ config: '/etc/gitlab-runner/config.toml' }));
      },
      expect: [{ status: 'fail', subject: 'service:gitlab-runner.service', message: 'jobs run as root (no User= and no --user)' }],
    },
    {
      name: 'root service dropping to "--user" "gitlab-runner" (quoted ExecStart)',
      build: async (t) => {
        await withRunnerUser(t);
        await t.unit('gitlab-runner.service', gitlabRunnerUnit({ userArg: 'gitlab-runner' }));
      },
      expect: [{ status: 'warn', subject: 'service:gitlab-runner.service', message: 'drops to gitlab-runner', evidence: ['--user gitlab-runner'] }],
    },
    {
      name: 'User= names an account whose uid is 0 in the target passwd',
      build: async (t) => {
        await withRunnerUser(t);
        await t.file('/etc/passwd', 'root:x:0:0:root:/root:/bin/bash\ntoor:x:0:0::/root:/bin/sh\n');
        await t.unit('gitlab-runner.service', gitlabRunnerUnit({ user: 'toor' }));
      },
      expect: [{ status: 'fail', subject: 'service:gitlab-runner.service', message: /jobs run as root/ }],
    },
    {
      name: 'SysV script from gitlab-runner install on a host without systemd: init runs it as root, --user gitlab-runner for jobs',
      build: async (t) => {
        await withRunnerUser(t);
        await t.file('/etc/init.d/gitlab-runner', gitlabRunnerInitScript({ config: '/etc/gitlab-runner/config.toml', workingDirectory: '/home/gitlab-runner', userArg: 'gitlab-runner' }), { mode: 0o755 });
      },
      expect: [{ status: 'warn', subject: 'service:gitlab-runner', message: 'drops to gitlab-runner', evidence: ['init script /etc/init.d/gitlab-runner', '--user gitlab-runner'] }],
    },
    {
      name: 'SysV script without --user beside the systemd unit: a second service, its jobs run as root',
      build: async (t) => {
        await withRunnerUser(t);
        await t.unit('gitlab-runner.service', gitlabRunnerUnit({ user: 'gitlab-runner' }));
        await t.file('/etc/gitlab-runner/sysv.toml', CONFIG, { mode: 0o600 });
        await t.file('/etc/init.d/runner-sysv', gitlabRunnerInitScript({ service: 'runner-sysv', config: '/etc/gitlab-runner/sysv.toml', workingDirectory: '/srv/sysv' }), { mode: 0o755 });
      },
      expect: [
        { status: 'pass', subject: 'service:gitlab-runner.service' },
        { status: 'fail', subject: 'service:init.d:runner-sysv', message: 'jobs run as root (no unit sets User= or --user)', evidence: ['init script /etc/init.d/runner-sysv'] },
      ],
    },
    {
      name: 'attacker: the init script is owned by the runner user (uid 998): it names --user gitlab-runner, yet whoever edits it runs as root',
      build: async (t) => {
        await withRunnerUser(t);
        await t.file('/etc/init.d/gitlab-runner', gitlabRunnerInitScript({ config: '/etc/shadow', workingDirectory: '/root', userArg: 'gitlab-runner' }), { mode: 0o755, uid: 998, gid: 998 });
      },
      expect: [
        // The packaged config is still audited on its own: the script cannot hide it by naming it.
        { status: 'fail', subject: 'service:gitlab-runner', message: 'jobs run as root (no unit sets User= or --user)' },
        { status: 'fail', subject: 'service:init.d:gitlab-runner', message: /^init script \/etc\/init\.d\/gitlab-runner runs as root but uid 998 can rewrite it \(.*owned by uid 998/ },
      ],
    },
    {
      name: 'runner binary and config but no unit',
      build: withRunnerUser,
      expect: [{ status: 'fail', subject: 'service:gitlab-runner', message: 'no unit sets User= or --user' }],
    },
  ],
  notApplicable: [
    {
      name: 'no GitLab Runner on the host',
      build: async () => {},
      expect: [{ status: 'skip', subject: 'gitlab-runner', message: 'no GitLab Runner found' }],
    },
  ],
  errors: [
    {
      name: 'attacker: User=gitlab-runner, but a drop-in in /run/systemd/generator.late is a link a job (uid 999) made: not followed, so not a pass',
      build: async (t) => {
        await withRunnerUser(t);
        await t.unit('gitlab-runner.service', gitlabRunnerUnit({ user: 'gitlab-runner' }));
        await t.file('/root/root.conf', '[Service]\nUser=root\n', { mode: 0o600 });
        await t.symlink('/run/systemd/generator.late/gitlab-runner.service.d/zz.conf', '/root/root.conf');
        await lchown(t.p('/run/systemd/generator.late/gitlab-runner.service.d/zz.conf'), 999, 999);
      },
      expect: [{ status: 'error', subject: 'service:gitlab-runner.service', message: /^not a pass: systemd applies to gitlab-runner\.service what could not be read \(.*zz\.conf is a symlink owned by uid 999: not followed\).*As read: the service and its jobs run as gitlab-runner$/ }],
    },
  ],
});
