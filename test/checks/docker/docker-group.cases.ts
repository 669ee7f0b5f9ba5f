import check from '../../../checks/docker/docker-group.js';
import { defineCases } from '../../helpers/check-cases.js';
import { dockerHost, gitlabRunner } from './fixture.js';

export default defineCases({
  check,
  passing: [
    {
      name: 'docker group without non-root members; docker-users is not docker',
      build: async (t) => {
        await dockerHost(t);
        await gitlabRunner(t, 'shell');
        await t.groupadd('docker-users', 1500);
        await t.addToGroup('gitlab-runner', 'docker-users');
      },
      expect: [{ status: 'pass', subject: 'group:docker' }],
    },
    {
      name: 'only root (and a uid-0 alias) in docker',
      build: async (t) => {
        await dockerHost(t);
        await t.file('/etc/passwd', 'root:x:0:0::/root:/bin/sh\ntoor:x:0:0::/root:/bin/sh\n');
        await t.file('/etc/group', 'root:x:0:\ndocker:x:999:root,toor\n');
      },
      expect: [{ status: 'pass', subject: 'group:docker', message: 'no non-root user' }],
    },
  ],
  failing: [
    {
      name: 'the jenkins account in group docker, no agent unit seen (builds run as jenkins on the host)',
      build: async (t) => {
        await dockerHost(t);
        await t.useradd('jenkins', { uid: 1500, home: '/var/lib/jenkins', groups: ['docker'] });
      },
      expect: [{ status: 'fail', subject: 'user:jenkins', message: 'jenkins runs CI jobs on the host and is in group docker', evidence: ['jenkins: Jenkins user'] }],
    },
    {
      name: 'runner user in docker with a shell executor; an admin in docker',
      build: async (t) => {
        await dockerHost(t);
        await gitlabRunner(t, 'shell');
        await t.useradd('alice', { uid: 1001 });
        await t.addToGroup('gitlab-runner', 'docker');
        await t.addToGroup('alice', 'docker');
      },
      expect: [
        { status: 'fail', subject: 'user:gitlab-runner', message: 'every job is root-equivalent', evidence: ['gitlab-runner: GitLab Runner job user', /^\/etc\/group: docker:x:999:.*gitlab-runner/] },
        { status: 'warn', subject: 'user:alice', message: 'root-equivalent', evidence: [/^\/etc\/group: docker:x:999:/] },
      ],
    },
    {
      name: 'runner user with docker as its primary group, docker executor: warn',
      build: async (t) => {
        await dockerHost(t);
        await t.file('/etc/passwd', 'root:x:0:0::/root:/bin/sh\ngitlab-runner:x:998:999::/home/gitlab-runner:/bin/sh\n');
        await t.unit('gitlab-runner.service', '[Service]\nExecStart=/usr/bin/gitlab-runner run\nUser=gitlab-runner\n');
        await t.file('/home/gitlab-runner/.gitlab-runner/config.toml', '[[runners]]\n  name = "d"\n  executor = "docker"\n', { mode: 0o600 });
      },
      expect: [{ status: 'warn', subject: 'user:gitlab-runner', message: 'GitLab Runner job user, GitLab Runner service user', evidence: ['/etc/passwd: gitlab-runner has primary gid 999 (docker)'] }],
    },
    {
      name: 'primary gid docker, shell executor among several runners (tabs, comments): fail',
      build: async (t) => {
        await dockerHost(t);
        await t.file('/etc/passwd', 'root:x:0:0::/root:/bin/sh\ngitlab-runner:x:998:999::/home/gitlab-runner:/bin/sh\n');
        await t.unit('gitlab-runner.service', '[Service]\nExecStart=/usr/bin/gitlab-runner run\nUser=gitlab-runner\n');
        await t.file(
          '/home/gitlab-runner/.gitlab-runner/config.toml',
          'concurrent = 4\n\n[[runners]]\n\tname = "docker"\n\texecutor = "docker"\n\n[[runners]]\n\tname = "deploy"  # ops only\n\texecutor = "shell"\n',
          { mode: 0o600 },
        );
      },
      expect: [{ status: 'fail', subject: 'user:gitlab-runner', evidence: ['/etc/passwd: gitlab-runner has primary gid 999 (docker)'] }],
    },
    {
      name: 'two admins in docker, no runner on the host: one warn per user',
      build: async (t) => {
        await t.groupadd('docker', 999);
        await t.useradd('alice', { uid: 1001, groups: ['docker'] });
        await t.useradd('bob', { uid: 1002, groups: ['docker'] });
      },
      expect: [
        { status: 'warn', subject: 'user:alice' },
        { status: 'warn', subject: 'user:bob' },
      ],
    },
  ],
  notApplicable: [
    { name: 'no docker group', build: async () => {}, expect: [{ status: 'skip', subject: 'group:docker' }] },
    {
      name: 'only a docker-users group (exact names, no substring match)',
      build: async (t) => {
        await t.groupadd('docker-users', 1500);
        await t.useradd('alice', { uid: 1001, groups: ['docker-users'] });
      },
      expect: [{ status: 'skip', subject: 'group:docker', message: 'no docker group' }],
    },
  ],
  errors: [
    {
      name: 'runner user in docker but config.toml is malformed: executor unknown',
      build: async (t) => {
        await dockerHost(t);
        await t.useradd('gitlab-runner', { uid: 998, groups: ['docker'] });
        await t.unit('gitlab-runner.service', '[Service]\nExecStart=/usr/bin/gitlab-runner run --config /etc/gitlab-runner/config.toml --user gitlab-runner\n');
        await t.file('/etc/gitlab-runner/config.toml', '[[runners]\n  executor = "shell"\n', { mode: 0o600 });
      },
      expect: [{ status: 'error', subject: 'user:gitlab-runner', message: /whether a shell executor runs its jobs is unknown: \/etc\/gitlab-runner\/config\.toml/ }],
    },
  ],
});
