import check from '../../../checks/runner/config-private.js';
import { defineCases } from '../../helpers/check-cases.js';
import { gitlabRunnerUnit, type FixtureTree } from '../../helpers/fixture-tree.js';

const CONFIG = `concurrent = 2

[[runners]]
\tname = "docker-a"
\ttoken = "glrt-AAAAAAAAAAAAAAAAAAAA"
\texecutor = "docker"
`;

async function rootRunner(t: FixtureTree, mode: number, uid = 0, gid = 0): Promise<void> {
  await t.unit('gitlab-runner.service', gitlabRunnerUnit({ config: '/etc/gitlab-runner/config.toml', userArg: 'gitlab-runner' }));
  await t.useradd('gitlab-runner', { uid: 998 });
  await t.file('/etc/gitlab-runner/config.toml', CONFIG, { mode, uid, gid });
}

export default defineCases({
  check,
  passing: [
    {
      name: 'root-owned 0600, token only as a fingerprint',
      build: (t) => rootRunner(t, 0o600),
      expect: [
        {
          status: 'pass',
          subject: '/etc/gitlab-runner/config.toml',
          evidence: ['mode 0600', 'owner root:root', /runner:docker-a token fingerprint [0-9a-f]{12}$/],
        },
      ],
    },
    {
      name: 'owned by the service user, config in ~gitlab-runner/.gitlab-runner',
      build: async (t) => {
        await t.useradd('gitlab-runner', { uid: 998 });
        await t.unit('gitlab-runner.service', gitlabRunnerUnit({ user: 'gitlab-runner' }));
        await t.file('/home/gitlab-runner/.gitlab-runner/config.toml', CONFIG, { mode: 0o600, uid: 998, gid: 998 });
        await t.file('/etc/gitlab-runner/config.toml', CONFIG, { mode: 0o644 }); // not the one in use
      },
      expect: [{ status: 'pass', subject: '/home/gitlab-runner/.gitlab-runner/config.toml', evidence: ['owner gitlab-runner:gitlab-runner'] }],
    },
  ],
  failing: [
    {
      name: 'world-readable 0644 (the package default on some installs)',
      build: (t) => rootRunner(t, 0o644),
      expect: [{ status: 'fail', subject: '/etc/gitlab-runner/config.toml', message: 'others can read', evidence: ['mode 0644'] }],
    },
    {
      name: 'group-writable and owned by another user',
      build: async (t) => {
        await t.useradd('alice', { uid: 1001 });
        await rootRunner(t, 0o660, 1001, 1001);
      },
      expect: [
        {
          status: 'fail',
          subject: '/etc/gitlab-runner/config.toml',
          message: /group can read\/write; owned by alice, not root or the service user root/,
        },
      ],
    },
  ],
  notApplicable: [
    {
      name: 'no GitLab Runner',
      build: async () => {},
      expect: [{ status: 'skip', subject: 'gitlab-runner' }],
    },
    {
      name: 'runner installed, not registered yet (no config)',
      build: async (t) => {
        await t.file('/usr/bin/gitlab-runner', '#!/bin/sh\n', { mode: 0o755 });
      },
      expect: [{ status: 'skip', subject: '/etc/gitlab-runner/config.toml', message: 'has no config' }],
    },
  ],
  errors: [
    {
      name: 'a directory where config.toml should be',
      build: async (t) => {
        await t.unit('gitlab-runner.service', gitlabRunnerUnit({ config: '/etc/gitlab-runner/config.toml' }));
        await t.dir('/etc/gitlab-runner/config.toml');
      },
      expect: [{ status: 'error', subject: '/etc/gitlab-runner/config.toml', message: 'is not a regular file (dir)' }],
    },
  ],
});
