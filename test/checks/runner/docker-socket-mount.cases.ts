import check from '../../../checks/runner/docker-socket-mount.js';
import { defineCases } from '../../helpers/check-cases.js';
import { CONFIG_PATH, malformed, noRunner, runner, runnerHost } from './fixture.js';
import { gitlabRunnerInitScript, gitlabRunnerUnit } from '../../helpers/fixture-tree.js';

const volumes = (list: string) => `\t[runners.docker]\n\t\timage = "alpine:3.20"\n\t\tvolumes = ${list}\n`;
const hostPath = (keys: string) => `\t[runners.kubernetes]\n\t\tnamespace = "ci"\n\t\t[[runners.kubernetes.volumes.host_path]]\n${keys}`;

export default defineCases({
  check,
  passing: [
    {
      name: 'cache volumes in a multi-line array with comments; a lone "/var/run/docker.sock" is an anonymous volume; a named volume',
      build: (t) =>
        runnerHost(
          t,
          runner(
            'a',
            'docker',
            volumes('[\n\t\t\t"/cache", # shared cache\n\t\t\t"/srv/ci-cache:/cache2:rw",\n\t\t\t"/var/run/docker.sock", # a container path only\n\t\t\t"docker-certs:/certs/client:ro",\n\t\t]'),
          ),
        ),
      expect: [{ status: 'pass', subject: 'runner:a', message: 'no Docker socket is mounted into job containers' }],
    },
    {
      name: 'kubernetes host_path of a cache dir; docker runner without volumes',
      build: (t) => runnerHost(t, runner('k', 'kubernetes', hostPath('\t\t\tname = "cache"\n\t\t\tmount_path = "/cache"\n\t\t\thost_path = "/srv/ci-cache"\n')) + runner('d', 'docker')),
      expect: [{ status: 'pass', subject: 'runner:k' }, { status: 'pass', subject: 'runner:d' }],
    },
  ],
  failing: [
    {
      name: 'every service is audited: the socket mounted by a --user-service runner of ci, and by a second system service',
      build: async (t) => {
        await runnerHost(t, runner('main', 'docker', volumes('["/cache"]')));
        await t.useradd('ci', { uid: 1300 });
        await t.file('/home/ci/.gitlab-runner/config.toml', runner('mine', 'docker', volumes('["/var/run/docker.sock:/var/run/docker.sock"]')), { mode: 0o600, uid: 1300, gid: 1300 });
        await t.file('/home/ci/.config/systemd/user/gitlab-runner.service', gitlabRunnerUnit({ service: 'gitlab-runner', config: '/home/ci/.gitlab-runner/config.toml', workingDirectory: '/home/ci', userService: true }), { uid: 1300, gid: 1300 });
        await t.unit('runner-2.service', gitlabRunnerUnit({ service: 'runner-2', config: '/etc/gitlab-runner/runner-2.toml', workingDirectory: '/srv/runner-2', userArg: 'gitlab-runner' }));
        await t.file('/etc/gitlab-runner/runner-2.toml', runner('two', 'docker', volumes('["/run/docker.sock:/var/run/docker.sock:ro"]')), { mode: 0o600 });
      },
      expect: [
        { status: 'pass', subject: 'runner:main' },
        { status: 'fail', subject: 'runner:mine@ci/gitlab-runner' },
        { status: 'fail', subject: 'runner:two@runner-2' },
      ],
    },
    {
      name: 'gitlab-runner install on a host without systemd: the SysV script kardianos/service writes; a second script on the same config is audited once',
      build: async (t) => {
        await t.useradd('gitlab-runner', { uid: 998 });
        await t.file('/usr/bin/gitlab-runner', '#!/bin/sh\n', { mode: 0o755 });
        await t.file('/etc/gitlab-runner/config.toml', runner('sysv', 'docker', volumes('["/var/run/docker.sock:/var/run/docker.sock"]')), { mode: 0o600 });
        const script = gitlabRunnerInitScript({ config: '/etc/gitlab-runner/config.toml', workingDirectory: '/home/gitlab-runner', userArg: 'gitlab-runner' });
        await t.file('/etc/init.d/gitlab-runner', script, { mode: 0o755 });
        await t.file('/etc/init.d/gitlab-runner-copy', script.replace('"--service" "gitlab-runner"', '"--service" "gitlab-runner-copy"'), { mode: 0o755 });
      },
      expect: [{ status: 'fail', subject: 'runner:sysv', evidence: [/\/etc\/gitlab-runner\/config\.toml/] }],
    },
    {
      name: 'the runner in Docker, seen through its bind-mounted config (/srv/gitlab-runner/config, as the docs lay it out)',
      build: async (t) => {
        await t.file('/srv/gitlab-runner/config/config.toml', runner('dockerized', 'docker', volumes('["/var/run/docker.sock:/var/run/docker.sock", "/cache"]')), { mode: 0o600 });
      },
      expect: [{ status: 'fail', subject: 'runner:dockerized' }],
    },
    {
      name: '/var/run/docker.sock mounted :ro: the exact entry and its file:line',
      build: (t) => runnerHost(t, runner('ro', 'docker', volumes('["/cache", "/var/run/docker.sock:/var/run/docker.sock:ro"]'))),
      expect: [
        {
          status: 'fail',
          subject: 'runner:ro',
          message: 'the host Docker socket is mounted into job and service containers (/var/run/docker.sock): every job is root on the host; read-only does not protect a socket',
          evidence: [`${CONFIG_PATH}:18: [runners.docker] volumes entry "/var/run/docker.sock:/var/run/docker.sock:ro"`],
        },
      ],
    },
    {
      name: '/run/docker.sock, a rootless socket and a dotted path in one runner, a clean runner and a shell runner beside it',
      build: (t) =>
        runnerHost(
          t,
          runner('many', 'docker', volumes('[\n\t\t\t"/run/docker.sock:/var/run/docker.sock",\n\t\t\t"/run/user/1000/docker.sock:/var/run/docker.sock:rw", # rootless\n\t\t\t"/var/run/../run/docker.sock/:/d.sock",\n\t\t]')) +
            runner('clean', 'docker', volumes('["/cache"]')) +
            runner('sh', 'shell', volumes('["/var/run/docker.sock:/var/run/docker.sock"]')),
        ),
      expect: [
        {
          status: 'fail',
          subject: 'runner:many',
          message: '(/run/docker.sock, /run/user/1000/docker.sock, /var/run/docker.sock): every job is root on the host',
          evidence: [
            /:18: \[runners\.docker\] volumes entry "\/run\/docker\.sock:\/var\/run\/docker\.sock"$/,
            '[runners.docker] volumes entry "/run/user/1000/docker.sock:/var/run/docker.sock:rw"',
            '[runners.docker] volumes entry "/var/run/../run/docker.sock/:/d.sock"',
          ],
        },
        { status: 'pass', subject: 'runner:clean' },
        { status: 'skip', subject: 'runner:sh', message: 'the shell executor runs jobs directly on the host' },
      ],
    },
    {
      name: 'kubernetes host_path of the socket',
      build: (t) => runnerHost(t, runner('k', 'kubernetes', hostPath('\t\t\tname = "docker"\n\t\t\tmount_path = "/var/run/docker.sock"\n\t\t\thost_path = "/var/run/docker.sock"\n'))),
      expect: [
        {
          status: 'fail',
          subject: 'runner:k',
          message: 'mounted into job pods (/var/run/docker.sock)',
          evidence: [`${CONFIG_PATH}:18: [[runners.kubernetes.volumes.host_path]] name = "docker", host_path = "/var/run/docker.sock", mount_path = "/var/run/docker.sock"`],
        },
      ],
    },
    {
      name: 'kubernetes host_path without host_path (mounts the mount_path of the host), and via sub_path',
      build: (t) =>
        runnerHost(
          t,
          runner('implicit', 'kubernetes', hostPath('\t\t\tname = "docker"\n\t\t\tmount_path = "/var/run/docker.sock"\n\t\t\tread_only = true\n')) +
            runner('sub', 'kubernetes', hostPath('\t\t\tname = "run"\n\t\t\tmount_path = "/var/run/docker.sock"\n\t\t\thost_path = "/var/run"\n\t\t\tsub_path = "docker.sock"\n')),
        ),
      expect: [
        { status: 'fail', subject: 'runner:implicit', message: /\(\/var\/run\/docker\.sock\): every job is root on the host; read-only does not protect a socket$/ },
        { status: 'fail', subject: 'runner:sub', message: '(/var/run/docker.sock)', evidence: ['sub_path = "docker.sock"'] },
      ],
    },
    {
      name: "docker-windows: the docker_engine named pipe is Windows' docker.sock",
      build: (t) => runnerHost(t, runner('win', 'docker-windows', volumes("['c:\\cache', '\\\\.\\pipe\\docker_engine:\\\\.\\pipe\\docker_engine']"))),
      expect: [{ status: 'fail', subject: 'runner:win', message: '(\\\\.\\pipe\\docker_engine)', evidence: ['volumes entry "\\\\.\\pipe\\docker_engine:\\\\.\\pipe\\docker_engine"'] }],
    },
  ],
  notApplicable: [
    noRunner,
    {
      name: 'ssh and virtualbox executors',
      build: (t) => runnerHost(t, runner('s', 'ssh') + runner('vb', 'virtualbox')),
      expect: [
        { status: 'skip', subject: 'runner:s', message: 'nothing is mounted into job containers' },
        { status: 'skip', subject: 'runner:vb', message: 'VirtualBox VMs' },
      ],
    },
  ],
  errors: [
    malformed,
    {
      name: 'attacker: a job-writable init script naming --config /etc/shadow-like root files reads nothing as root: an error says so, no runner of that root-only file is audited',
      build: async (t) => {
        await runnerHost(t, runner('main', 'docker', volumes('["/cache"]')));
        // root's secret config, mode 0600: the script's writer (uid 998) cannot read it, so neither does the audit for them.
        await t.file('/etc/gitlab-runner/root-only.toml', runner('secret', 'docker', volumes('["/var/run/docker.sock:/var/run/docker.sock"]')), { mode: 0o600 });
        await t.file('/etc/init.d/gitlab-runner', gitlabRunnerInitScript({ config: '/etc/gitlab-runner/root-only.toml', workingDirectory: '/', userArg: 'root' }), { mode: 0o755, uid: 998, gid: 998 });
      },
      expect: [
        { status: 'pass', subject: 'runner:main' },
        { status: 'error', subject: '/etc/gitlab-runner/root-only.toml', message: '/etc/gitlab-runner/root-only.toml: not readable by uid 998, who named it (/etc/init.d/gitlab-runner is owned by uid 998)' },
      ],
    },
  ],
});
