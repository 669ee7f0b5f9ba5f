import { chmod, chown } from 'node:fs/promises';
import check from '../../../checks/github/control-files.js';
import { defineCases } from '../../helpers/check-cases.js';
import type { FixtureTree } from '../../helpers/fixture-tree.js';
import { actionsRunner, DIR, dotRunner, runnerDirs, runnerUnit, SUBJECT, UNIT } from './fixture.js';

/** The hardened layout: the runner dir and its control files root's, _work and _diag the runner's. */
async function rootOwned(t: FixtureTree, env = 'LANG=C.UTF-8\n'): Promise<void> {
  await actionsRunner(t, { env });
  await t.file(`${DIR}/.path`, '/usr/local/bin:/usr/bin:/bin\n', { mode: 0o644, uid: 0, gid: 0 });
  await t.file(`${DIR}/.env`, env, { mode: 0o644, uid: 0, gid: 0 });
  await chown(t.p(DIR), 0, 0);
  await chmod(t.p(DIR), 0o755);
  await t.dir(`${DIR}/_work`, { uid: 1200, gid: 1200, mode: 0o755 });
}

export default defineCases({
  check,
  passing: [
    {
      name: 'control files and the runner dir root\'s; a root-owned hook outside the runner dir',
      build: async (t) => {
        await t.file('/opt/hooks/started.sh', '#!/bin/sh\necho start\n', { mode: 0o755 });
        await rootOwned(t, 'LANG=C.UTF-8\nACTIONS_RUNNER_HOOK_JOB_STARTED=/opt/hooks/started.sh\n');
      },
      expect: [{ status: 'pass', subject: SUBJECT, evidence: ['jobs run as gh', `${DIR}/.env: mode 0644 owner root:root`, '/opt/hooks/started.sh: mode 0755 owner root:root'] }],
    },
  ],
  failing: [
    {
      name: 'the layout config.sh leaves: .env and .path the runner user\'s, in its own dir',
      build: async (t) => {
        await actionsRunner(t, { env: 'LANG=C.UTF-8\n' });
        await t.file(`${DIR}/.path`, '/usr/bin:/bin\n', { mode: 0o644, uid: 1200, gid: 1200 });
      },
      expect: [{ status: 'fail', subject: SUBJECT, message: 'gh (the job user) can rewrite .env; gh (the job user) can rewrite .path' }],
    },
    {
      name: 'attacker: root-owned .env, but the hook script it names sits in a dir the job user writes',
      build: async (t) => {
        await t.dir('/home/gh/hooks', { uid: 1200, gid: 1200, mode: 0o755 });
        await t.file('/home/gh/hooks/started.sh', '#!/bin/sh\n', { mode: 0o755 });
        await rootOwned(t, 'ACTIONS_RUNNER_HOOK_JOB_STARTED=/home/gh/hooks/started.sh\n');
      },
      expect: [{ status: 'fail', subject: SUBJECT, message: /^gh \(the job user\) can rewrite the ACTIONS_RUNNER_HOOK_JOB_STARTED hook through its dir \/home\/gh\/hooks$/ }],
    },
    {
      name: 'attacker: .path swapped for a symlink; a missing .env the job user could create in a group-writable dir',
      build: async (t) => {
        await rootOwned(t);
        await t.groupadd('ci', 1300);
        await t.addToGroup('gh', 'ci');
        const { rm, symlink } = await import('node:fs/promises');
        await rm(t.p(`${DIR}/.path`));
        await symlink('/home/gh/mypath', t.p(`${DIR}/.path`));
        await rm(t.p(`${DIR}/.env`));
        await chown(t.p(DIR), 0, 1300);
        await chmod(t.p(DIR), 0o775);
      },
      expect: [{ status: 'fail', subject: SUBJECT, message: 'gh (the job user) can create .env through its dir /home/gh/actions-runner; .path is a symlink' }],
    },
    {
      name: '.env turns TLS checking off and allows unsecure commands; registered with --disableupdate',
      build: async (t) => {
        await rootOwned(t, 'GITHUB_ACTIONS_RUNNER_TLS_NO_VERIFY=1\nACTIONS_ALLOW_UNSECURE_COMMANDS=true\n');
        await t.file(`${DIR}/.runner`, dotRunner(',\n  "disableUpdate": true'), { mode: 0o644, uid: 0, gid: 0 });
      },
      expect: [
        {
          status: 'fail',
          subject: SUBJECT,
          message: /^\.env sets GITHUB_ACTIONS_RUNNER_TLS_NO_VERIFY: .*; \.env sets ACTIONS_ALLOW_UNSECURE_COMMANDS: .*; registered with --disableupdate/,
          evidence: [`${DIR}/.runner: "disableUpdate": true`],
        },
      ],
    },
    {
      name: 'only --disableupdate: warn',
      build: async (t) => {
        await rootOwned(t);
        await t.file(`${DIR}/.runner`, dotRunner(',\n  "disableUpdate": true'), { mode: 0o644, uid: 0, gid: 0 });
      },
      expect: [{ status: 'warn', subject: SUBJECT, message: /^registered with --disableupdate/ }],
    },
    {
      name: 'no unit: the job user is the runner dir\'s owner',
      build: async (t) => {
        // config.sh runs in a dir the user extracted the tarball into: theirs.
        await actionsRunner(t, { noUnit: true, env: 'X=1\n' });
        await chown(t.p(DIR), 1200, 1200);
      },
      config: runnerDirs(DIR),
      expect: [{ status: 'fail', subject: SUBJECT, evidence: [`jobs run as gh: owner of ${DIR} and of its .runner (no unit names a user)`] }],
    },
    {
      name: 'a unit without User=: jobs run as root, and the evidence says why',
      build: async (t) => {
        await rootOwned(t);
        await t.unit(UNIT, runnerUnit({ user: '' }));
      },
      expect: [{ status: 'fail', subject: SUBJECT, message: /^root \(the job user\) can rewrite \.env/, evidence: [`jobs run as root: /etc/systemd/system/${UNIT} sets no User=`] }],
    },
  ],
  errors: [
    {
      // Judged as the link target's owner (ci, who cannot write .env), this passed; gh can rewrite it.
      name: 'attacker: the runner dir in the job user\'s home swapped for a link to a dir another user owns: its owner is not taken for the job user',
      build: async (t) => {
        await t.useradd('gh', { uid: 1200 });
        await t.useradd('ci', { uid: 1300 });
        await t.file('/mnt/ci/runner/.runner', dotRunner(), { mode: 0o644, uid: 1300, gid: 1300 });
        await t.file('/mnt/ci/runner/.env', 'LANG=C.UTF-8\n', { mode: 0o644, uid: 1200, gid: 1200 });
        await chown(t.p('/mnt/ci/runner'), 1300, 1300);
        await chmod(t.p('/mnt/ci/runner'), 0o555);
        await t.symlink(DIR, '/mnt/ci/runner');
      },
      config: runnerDirs(DIR),
      expect: [{ status: 'error', subject: SUBJECT, message: /^the user its jobs run as is unknown/, evidence: [`${DIR}: a symlink`] }],
    },
    {
      name: 'no unit, no listener, and the dir and its .runner have different owners: the job user is unknown, not guessed',
      build: async (t) => {
        await actionsRunner(t, { noUnit: true, env: 'X=1\n' });
        await chown(t.p(DIR), 1200, 1200);
        await chown(t.p(`${DIR}/.runner`), 0, 0);
      },
      config: runnerDirs(DIR),
      expect: [{ status: 'error', subject: SUBJECT, evidence: [`${DIR}: mode 0755 owner gh:gh`, `${DIR}/.runner: mode 0644 owner root:root`] }],
    },
  ],
  notApplicable: [{ name: 'no Actions runner', build: async () => {}, expect: [{ status: 'skip', subject: 'github-runner' }] }],
});
