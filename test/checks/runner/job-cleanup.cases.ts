import check from '../../../checks/runner/job-cleanup.js';
import { defineCases } from '../../helpers/check-cases.js';
import { noRunner, runner, runnerHost } from './fixture.js';

export default defineCases({
  check,
  passing: [
    {
      name: 'feature flag table, and FF_ENABLE_JOB_CLEANUP=true in environment',
      build: (t) => runnerHost(t, runner('a', 'docker', '\t[runners.feature_flags]\n\t\tFF_ENABLE_JOB_CLEANUP = true\n') + runner('b', 'shell', '', '\tenvironment = ["FOO=1", "FF_ENABLE_JOB_CLEANUP=true"]\n')),
      expect: [{ status: 'pass', subject: 'runner:a', message: '[runners.feature_flags]' }, { status: 'pass', subject: 'runner:b', message: 'environment' }],
    },
  ],
  failing: [
    {
      name: 'static shell and docker runners without the flag (or with it false)',
      build: (t) => runnerHost(t, runner('sh', 'shell') + runner('d', 'docker', '\t[runners.feature_flags]\n\t\tFF_ENABLE_JOB_CLEANUP = false\n')),
      expect: [{ status: 'warn', subject: 'runner:sh', message: 'static shell runner' }, { status: 'warn', subject: 'runner:d', message: 'static docker runner' }],
    },
  ],
  notApplicable: [
    noRunner,
    { name: 'kubernetes', build: (t) => runnerHost(t, runner('k', 'kubernetes')), expect: [{ status: 'skip', subject: 'runner:k', message: 'not a static' }] },
    { name: 'docker+machine MaxBuilds = 1', build: (t) => runnerHost(t, runner('m', 'docker+machine', '\t[runners.machine]\n\t\tMaxBuilds = 1\n')), expect: [{ status: 'skip', subject: 'runner:m', message: 'moot' }] },
  ],
});
