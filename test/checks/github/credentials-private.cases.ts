import check from '../../../checks/github/credentials-private.js';
import { defineCases } from '../../helpers/check-cases.js';
import { actionsRunner, DIR, SUBJECT } from './fixture.js';

export default defineCases({
  check,
  passing: [{ name: '0600 owned by the runner user', build: (t) => actionsRunner(t), expect: [{ status: 'pass', subject: SUBJECT, evidence: [`${DIR}/.credentials: mode 0600 gh:gh`] }] }],
  failing: [{ name: '.credentials 0644', build: (t) => actionsRunner(t, { credsMode: 0o644 }), expect: [{ status: 'fail', subject: SUBJECT, message: `${DIR}/.credentials` }] }],
  notApplicable: [
    { name: 'no Actions runner', build: async () => {}, expect: [{ status: 'skip', subject: 'github-runner' }] },
    { name: 'runner dir without credentials (not registered)', build: (t) => t.file('/opt/r/.runner', '{}').then(() => undefined), config: '[github]\nrunner_dirs = ["/opt/r"]\n', expect: [{ status: 'skip', subject: 'github-runner:/opt/r' }] },
  ],
});
