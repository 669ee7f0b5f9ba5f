import { execFileSync } from 'node:child_process';
import check from '../../../checks/github/not-root.js';
import { defineCases } from '../../helpers/check-cases.js';
import { actionsRunner, DIR, dotRunner, officialImage, runnerDirs, runnerUnit, SUBJECT, UNIT } from './fixture.js';

export default defineCases({
  check,
  passing: [
    {
      name: 'no unit, not in the config: ~/actions-runner unpacked and configured by gh (found by its .runner; runs as the dir\'s owner)',
      build: async (t) => {
        await actionsRunner(t, { noUnit: true });
        await t.dir(DIR, { mode: 0o775, uid: 1200, gid: 1200 });
      },
      expect: [{ status: 'pass', subject: SUBJECT, message: `runs as gh (uid 1200): owner of ${DIR} and of its .runner`, evidence: [`no actions.runner.*.service unit for ${DIR} (found by its .runner file)`, `runs as gh: owner of ${DIR} and of its .runner (no unit names a user)`] }],
    },
    {
      name: 'the official runner image layout: /home/runner is the runner dir, owned by runner (uid 1001), no unit',
      build: (t) => officialImage(t),
      expect: [{ status: 'pass', subject: 'github-runner:/home/runner', message: 'runs as runner (uid 1001)' }],
    },
    {
      name: 'svc.sh install gh; .env as config.sh writes it',
      build: (t) => actionsRunner(t, { env: 'LANG=C.UTF-8\nJAVA_HOME_17_X64=/usr/lib/jvm/java-17\n' }),
      expect: [{ status: 'pass', subject: SUBJECT, message: 'runs as gh (uid 1200)', evidence: [`unit /etc/systemd/system/${UNIT}`, 'User=gh'] }],
    },
    {
      name: 'User= from a drop-in; RUNNER_ALLOW_RUNASROOT empty or commented out',
      build: async (t) => {
        await actionsRunner(t, { user: '', env: '# RUNNER_ALLOW_RUNASROOT=1\nRUNNER_ALLOW_RUNASROOT=\n' });
        await t.file(`/etc/systemd/system/${UNIT}.d/override.conf`, '[Service]\nUser=gh\n');
      },
      expect: [{ status: 'pass', subject: SUBJECT, evidence: [/\(\+ \/etc\/systemd\/system\/actions\.runner\.acme-app\.build-1\.service\.d\/override\.conf\)$/] }],
    },
    {
      name: 'numeric User=1200',
      build: (t) => actionsRunner(t, { user: '1200' }),
      expect: [{ status: 'pass', subject: SUBJECT, message: 'runs as 1200 (uid 1200)' }],
    },
  ],
  failing: [
    {
      name: 'unit without User= (runs as root)',
      build: (t) => actionsRunner(t, { user: '' }),
      expect: [{ status: 'fail', subject: SUBJECT, message: 'the runner unit has no User=', evidence: ['User=(unset)'] }],
    },
    {
      name: 'User=root, and .env allows root too',
      build: (t) => actionsRunner(t, { user: 'root', env: 'RUNNER_ALLOW_RUNASROOT=1\n' }),
      expect: [{ status: 'fail', subject: SUBJECT, message: /runs as root: every workflow step runs as root; \.env also sets RUNNER_ALLOW_RUNASROOT/, evidence: ['User=root', `${DIR}/.env: RUNNER_ALLOW_RUNASROOT=1`] }],
    },
    {
      name: 'User= names a uid-0 account of the target passwd',
      build: async (t) => {
        await actionsRunner(t, { user: 'toor' });
        await t.file('/etc/passwd', 'root:x:0:0:root:/root:/bin/bash\ntoor:x:0:0::/root:/bin/sh\ngh:x:1200:1200::/home/gh:/bin/bash\n');
      },
      expect: [{ status: 'fail', subject: SUBJECT, message: 'runs as toor (uid 0)' }],
    },
    {
      name: 'RUNNER_ALLOW_RUNASROOT="1" in .env of a runner whose unit uses gh',
      build: (t) => actionsRunner(t, { env: 'LANG=C.UTF-8\nRUNNER_ALLOW_RUNASROOT="1"\n' }),
      expect: [{ status: 'fail', subject: SUBJECT, message: `RUNNER_ALLOW_RUNASROOT is set in ${DIR}/.env`, evidence: [`${DIR}/.env: RUNNER_ALLOW_RUNASROOT=1`] }],
    },
    {
      name: 'dir from [github] runner_dirs, no unit, configured as root (.runner owned by root)',
      build: (t) => actionsRunner(t, { noUnit: true, uid: 0 }),
      config: runnerDirs(`${DIR}/`),
      expect: [{ status: 'fail', subject: SUBJECT, message: 'is owned by root: the runner was configured as root', evidence: [`${DIR}/.runner: mode 0644 owner root:root`, /^no actions\.runner\.\*\.service unit/] }],
    },
    {
      name: 'dir from [github] runner_dirs, no unit, RUNNER_ALLOW_RUNASROOT=true in .env',
      build: (t) => actionsRunner(t, { noUnit: true, env: 'RUNNER_ALLOW_RUNASROOT=true\n' }),
      config: runnerDirs(DIR),
      expect: [{ status: 'fail', subject: SUBJECT, message: 'no unit sets another User=' }],
    },
    {
      name: 'two runners: one per subject',
      build: async (t) => {
        await actionsRunner(t);
        await t.unit('actions.runner.acme-ops.deploy.service', runnerUnit({ user: '', dir: '/opt/deploy-runner' }));
        await t.file('/opt/deploy-runner/.runner', dotRunner());
      },
      expect: [
        { status: 'pass', subject: SUBJECT },
        { status: 'fail', subject: 'github-runner:/opt/deploy-runner', message: 'no User=' },
      ],
    },
  ],
  notApplicable: [
    { name: 'no Actions runner', build: async () => {}, expect: [{ status: 'skip', subject: 'github-runner', message: 'no GitHub Actions self-hosted runner' }] },
    {
      name: 'dir listed in runner_dirs but never configured (no unit, no .runner)',
      build: async (t) => {
        await t.dir('/opt/actions-runner');
      },
      config: runnerDirs('/opt/actions-runner'),
      expect: [{ status: 'skip', subject: 'github-runner:/opt/actions-runner', message: 'not configured' }],
    },
  ],
  errors: [
    {
      name: 'attacker: User=gh, but the runner unit\'s drop-in dir in /etc/systemd/system.attached is gh\'s and holds a FIFO: not read (no hang), so not a pass',
      build: async (t) => {
        await actionsRunner(t);
        await t.dir(`/etc/systemd/system.attached/${UNIT}.d`, { uid: 1200, gid: 1200 });
        execFileSync('mkfifo', [t.p(`/etc/systemd/system.attached/${UNIT}.d/50-x.conf`)]);
      },
      expect: [{ status: 'error', subject: SUBJECT, message: /^not a pass: systemd applies to actions\.runner\.[^ ]+ what could not be read \(.*50-x\.conf: is not a regular file \(fifo\)\)/ }],
    },
    {
      name: 'no unit; the dir is root\'s but its .runner is gh\'s: who starts it is unknown',
      build: (t) => actionsRunner(t, { noUnit: true }),
      config: runnerDirs(DIR),
      expect: [{ status: 'error', subject: SUBJECT, message: /^cannot tell which user runs \/home\/gh\/actions-runner: .*different owners.*\.\/svc\.sh install USER/, evidence: [`${DIR}/.runner: mode 0644 owner gh:gh`, `${DIR}: mode 0755 owner root:root`] }],
    },
    {
      name: '.env is a directory',
      build: async (t) => {
        await actionsRunner(t);
        await t.dir(`${DIR}/.env`);
      },
      expect: [{ status: 'error', subject: SUBJECT, message: `${DIR}/.env: is a directory` }],
    },
  ],
});
