import check from '../../../checks/runner/job-cleanup.js';
import { defineCases } from '../../helpers/check-cases.js';
import { CONFIG_PATH, malformed, noRunner, runner, runnerHost } from './fixture.js';

const flags = (v: string) => `\t[runners.feature_flags]\n\t\tFF_ENABLE_JOB_CLEANUP = ${v}\n`;

export default defineCases({
  check,
  passing: [
    {
      name: 'feature flag table; FF_ENABLE_JOB_CLEANUP=true and =1 (Go bool) in environment',
      build: (t) =>
        runnerHost(
          t,
          runner('a', 'docker', flags('true')) +
            runner('b', 'shell', '', '\tenvironment = ["FOO=1", "FF_ENABLE_JOB_CLEANUP=true"]\n') +
            runner('c', 'docker-windows', '', '\tenvironment = [\n\t\t"FF_ENABLE_JOB_CLEANUP=1", # cleanup\n\t]\n'),
        ),
      expect: [
        { status: 'pass', subject: 'runner:a', message: 'job cleanup enabled in [runners.feature_flags]', evidence: [`${CONFIG_PATH}:17: [runners.feature_flags] FF_ENABLE_JOB_CLEANUP = true`] },
        { status: 'pass', subject: 'runner:b', message: 'job cleanup enabled in the runner environment', evidence: [/:27: \[\[runners\]\] environment entry "FF_ENABLE_JOB_CLEANUP=true"$/] },
        { status: 'pass', subject: 'runner:c', evidence: ['[[runners]] environment entry "FF_ENABLE_JOB_CLEANUP=1"'] },
      ],
    },
  ],
  failing: [
    {
      name: 'static shell runner without the flag; docker runner with it false',
      build: (t) => runnerHost(t, runner('sh', 'shell') + runner('d', 'docker', flags('false'))),
      expect: [
        {
          status: 'warn',
          subject: 'runner:sh',
          message: 'static shell runner, FF_ENABLE_JOB_CLEANUP is not set: checkouts stay on the host after each job',
          evidence: [`${CONFIG_PATH}:4: [runners.feature_flags] FF_ENABLE_JOB_CLEANUP unset`],
        },
        { status: 'warn', subject: 'runner:d', message: 'static docker runner with FF_ENABLE_JOB_CLEANUP = false in [runners.feature_flags]: checkouts stay', evidence: [/:30: \[runners\.feature_flags\] FF_ENABLE_JOB_CLEANUP = false$/] },
      ],
    },
    {
      name: '[runners.feature_flags] false wins over =true in environment; an unparsable value enables nothing',
      build: (t) =>
        runnerHost(
          t,
          runner('both', 'docker', flags('false'), '\tenvironment = ["FF_ENABLE_JOB_CLEANUP=true"]\n') +
            runner('yes', 'shell', '', '\tenvironment = ["FF_ENABLE_JOB_CLEANUP=yes"]\n'),
        ),
      expect: [
        {
          status: 'warn',
          subject: 'runner:both',
          message: '= false in [runners.feature_flags] (it overrides FF_ENABLE_JOB_CLEANUP=true in environment)',
          evidence: ['[runners.feature_flags] FF_ENABLE_JOB_CLEANUP = false', '[[runners]] environment entry "FF_ENABLE_JOB_CLEANUP=true"'],
        },
        { status: 'warn', subject: 'runner:yes', message: 'static shell runner, FF_ENABLE_JOB_CLEANUP=yes in environment does not enable it' },
      ],
    },
  ],
  notApplicable: [
    noRunner,
    {
      name: 'kubernetes and a reused docker-autoscaler VM are not static shell/docker runners',
      build: (t) => runnerHost(t, runner('k', 'kubernetes') + runner('as', 'docker-autoscaler', '\t[runners.autoscaler]\n\t\tmax_use_count = 20\n')),
      expect: [
        { status: 'skip', subject: 'runner:k', message: 'not a static shell/docker runner (executor "kubernetes"): each job gets a new pod and build volume' },
        { status: 'skip', subject: 'runner:as', message: 'not a static shell/docker runner (executor "docker-autoscaler")' },
      ],
    },
    {
      name: 'docker+machine MaxBuilds = 1: moot',
      build: (t) => runnerHost(t, runner('m', 'docker+machine', '\t[runners.machine]\n\t\tMaxBuilds = 1\n')),
      expect: [{ status: 'skip', subject: 'runner:m', message: 'moot: docker+machine with [runners.machine] MaxBuilds = 1 runs one job per VM; the build dir goes with the VM' }],
    },
  ],
  errors: [malformed],
});
