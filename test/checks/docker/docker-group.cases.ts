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
  ],
  failing: [
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
        { status: 'fail', subject: 'user:gitlab-runner', message: 'every job is root-equivalent', evidence: ['gitlab-runner: GitLab Runner job user'] },
        { status: 'warn', subject: 'user:alice', message: 'root-equivalent' },
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
      expect: [{ status: 'warn', subject: 'user:gitlab-runner', message: 'GitLab Runner job user, GitLab Runner service user' }],
    },
  ],
  notApplicable: [{ name: 'no docker group', build: async () => {}, expect: [{ status: 'skip', subject: 'group:docker' }] }],
});
