import check from '../../../checks/github/not-root.js';
import { defineCases } from '../../helpers/check-cases.js';
import { actionsRunner, SUBJECT } from './fixture.js';

export default defineCases({
  check,
  passing: [
    { name: 'svc.sh install gh', build: (t) => actionsRunner(t, { env: 'LANG=C.UTF-8\nJAVA_HOME=/usr/lib/jvm/java-17\n' }), expect: [{ status: 'pass', subject: SUBJECT, message: 'runs as gh' }] },
    {
      name: 'dir listed in [github] runner_dirs, no unit, no RUNNER_ALLOW_RUNASROOT',
      build: async (t) => {
        await t.file('/opt/runner/.runner', '{"agentName": "x"}');
      },
      config: '[github]\nrunner_dirs = ["/opt/runner/"]\n',
      expect: [{ status: 'pass', subject: 'github-runner:/opt/runner', evidence: ['no unit (from [github] runner_dirs)'] }],
    },
  ],
  failing: [
    { name: 'unit without User= (runs as root)', build: (t) => actionsRunner(t, { user: '' }), expect: [{ status: 'fail', subject: SUBJECT, message: 'has no User=' }] },
    { name: 'User=root', build: (t) => actionsRunner(t, { user: 'root' }), expect: [{ status: 'fail', subject: SUBJECT, evidence: [/User=root$/] }] },
    { name: 'RUNNER_ALLOW_RUNASROOT=1 in .env', build: (t) => actionsRunner(t, { env: 'RUNNER_ALLOW_RUNASROOT="1"\n' }), expect: [{ status: 'fail', subject: SUBJECT, message: 'RUNNER_ALLOW_RUNASROOT' }] },
  ],
  notApplicable: [{ name: 'no Actions runner', build: async () => {}, expect: [{ status: 'skip', subject: 'github-runner' }] }],
});
