import check from '../../../checks/github/credentials-private.js';
import { defineCases } from '../../helpers/check-cases.js';
import { actionsRunner, DIR, runnerDirs, SUBJECT } from './fixture.js';

export default defineCases({
  check,
  passing: [
    {
      name: 'both files 0600, owned by the runner user',
      build: (t) => actionsRunner(t),
      expect: [{ status: 'pass', subject: SUBJECT, evidence: [`${DIR}/.credentials: mode 0600 owner gh:gh`, `${DIR}/.credentials_rsaparams: mode 0600 owner gh:gh`] }],
    },
    {
      name: 'only .credentials (0400), no rsaparams',
      build: (t) => actionsRunner(t, { credsMode: 0o400, rsaMode: null }),
      expect: [{ status: 'pass', subject: SUBJECT, evidence: [`${DIR}/.credentials_rsaparams: missing`] }],
    },
  ],
  failing: [
    {
      name: '.credentials 0644 (readable by everyone)',
      build: (t) => actionsRunner(t, { credsMode: 0o644 }),
      expect: [{ status: 'fail', subject: SUBJECT, message: `readable beyond their owner: ${DIR}/.credentials (group and others)`, evidence: [`${DIR}/.credentials: mode 0644 owner gh:gh`] }],
    },
    {
      name: 'the private key group-readable (0640), .credentials fine',
      build: (t) => actionsRunner(t, { rsaMode: 0o640 }),
      expect: [{ status: 'fail', subject: SUBJECT, message: /: \/home\/gh\/actions-runner\/\.credentials_rsaparams \(group\)$/ }],
    },
    {
      name: 'dir from [github] runner_dirs, world-readable key',
      build: (t) => actionsRunner(t, { noUnit: true, rsaMode: 0o604 }),
      config: runnerDirs(DIR),
      expect: [{ status: 'fail', subject: SUBJECT, message: '(others)' }],
    },
  ],
  notApplicable: [
    { name: 'no Actions runner', build: async () => {}, expect: [{ status: 'skip', subject: 'github-runner' }] },
    {
      name: 'runner dir without credentials (not registered)',
      build: async (t) => {
        await t.file('/opt/r/.runner', '{}');
      },
      config: runnerDirs('/opt/r'),
      expect: [{ status: 'skip', subject: 'github-runner:/opt/r', message: 'not registered' }],
    },
  ],
  errors: [
    {
      name: '.credentials is a directory',
      build: async (t) => {
        await actionsRunner(t, { rsaMode: null });
        const { rm } = await import('node:fs/promises');
        await rm(t.p(`${DIR}/.credentials`));
        await t.dir(`${DIR}/.credentials`);
      },
      expect: [{ status: 'error', subject: SUBJECT, message: `${DIR}/.credentials: is not a regular file (dir)` }],
    },
  ],
});
