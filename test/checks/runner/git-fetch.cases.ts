import check from '../../../checks/runner/git-fetch.js';
import { defineCases } from '../../helpers/check-cases.js';
import { noRunner, runner, runnerHost } from './fixture.js';

export default defineCases({
  check,
  passing: [{ name: 'GIT_STRATEGY=clone; GIT_DEPTH set', build: (t) => runnerHost(t, runner('a', 'docker', '', '\tenvironment = ["GIT_STRATEGY=clone", "GIT_DEPTH=10"]\n')), expect: [{ status: 'pass', subject: 'runner:a' }] }],
  failing: [{ name: 'GIT_STRATEGY=fetch in a multi-line environment with comments', build: (t) => runnerHost(t, runner('a', 'shell', '', '\tenvironment = [\n\t\t"LANG=C", # locale\n\t\t"GIT_STRATEGY=fetch",\n\t]\n')), expect: [{ status: 'warn', subject: 'runner:a', evidence: ['environment: "GIT_STRATEGY=fetch"'] }] }],
  notApplicable: [noRunner, { name: 'ephemeral docker+machine', build: (t) => runnerHost(t, runner('m', 'docker+machine', '\t[runners.machine]\n\t\tMaxBuilds = 1\n', '\tenvironment = ["GIT_STRATEGY=fetch"]\n')), expect: [{ status: 'skip', subject: 'runner:m' }] }],
});
