import check from '../../../checks/runner/pull-policy.js';
import { defineCases } from '../../helpers/check-cases.js';
import { CONFIG_PATH, malformed, noRunner, runner, runnerHost } from './fixture.js';

const docker = (keys: string) => `\t[runners.docker]\n\t\timage = "alpine:3.20"\n${keys}`;

export default defineCases({
  check,
  passing: [
    {
      name: 'always as a string, unset on docker (default always), never and always in arrays, kubernetes always',
      build: (t) =>
        runnerHost(
          t,
          runner('a', 'docker', docker('\t\tpull_policy = "always"\n')) +
            runner('b', 'docker') +
            runner('c', 'docker', docker('\t\tpull_policy = [\n\t\t\t"always", # first\n\t\t\t"never",\n\t\t]\n')) +
            runner('k', 'kubernetes', '\t[runners.kubernetes]\n\t\tpull_policy = ["always"]\n'),
        ),
      expect: [
        { status: 'pass', subject: 'runner:a', message: 'pull_policy = ["always"]', evidence: [`${CONFIG_PATH}:18: [runners.docker] pull_policy = "always"`] },
        { status: 'pass', subject: 'runner:b', message: 'pull_policy unset (the docker executor default, always)' },
        { status: 'pass', subject: 'runner:c', message: 'pull_policy = ["always","never"]' },
        { status: 'pass', subject: 'runner:k', evidence: ['[runners.kubernetes] pull_policy = ["always"]'] },
      ],
    },
    {
      name: 'allowed_pull_policies without if-not-present',
      build: (t) => runnerHost(t, runner('a', 'docker', docker('\t\tpull_policy = ["always"]\n\t\tallowed_pull_policies = ["always", "never"]\n'))),
      expect: [{ status: 'pass', subject: 'runner:a', evidence: ['[runners.docker] allowed_pull_policies = ["always", "never"]'] }],
    },
  ],
  failing: [
    {
      name: 'if-not-present as a string, inside a multi-line array with comments, and on kubernetes',
      build: (t) =>
        runnerHost(
          t,
          runner('s', 'docker', docker('\t\tpull_policy = "if-not-present"\n')) +
            runner('arr', 'docker', docker('\t\tpull_policy = [\n\t\t\t"always", # first\n\t\t\t"if-not-present", # registry down fallback\n\t\t]\n')) +
            runner('k', 'kubernetes', '\t[runners.kubernetes]\n\t\tpull_policy = "if-not-present"\n'),
        ),
      expect: [
        {
          status: 'warn',
          subject: 'runner:s',
          message: "pull_policy is if-not-present: a job can run a private image another project pulled, without that project's credentials; acceptable only on a runner dedicated to trusted projects and users",
          evidence: [`${CONFIG_PATH}:18: [runners.docker] pull_policy = "if-not-present"`],
        },
        { status: 'warn', subject: 'runner:arr', message: /^pull_policy contains if-not-present:/, evidence: ['[runners.docker] pull_policy = ["always", "if-not-present"]'] },
        { status: 'warn', subject: 'runner:k', evidence: ['[runners.kubernetes] pull_policy = "if-not-present"'] },
      ],
    },
    {
      name: 'allowed_pull_policies lets jobs pick if-not-present in .gitlab-ci.yml',
      build: (t) => runnerHost(t, runner('a', 'docker', docker('\t\tpull_policy = ["always"]\n\t\tallowed_pull_policies = ["always", "if-not-present"]\n'))),
      expect: [{ status: 'warn', subject: 'runner:a', message: /^allowed_pull_policies lets jobs choose if-not-present:/, evidence: [/:19: \[runners\.docker\] allowed_pull_policies = \["always", "if-not-present"\]$/] }],
    },
    {
      name: 'kubernetes without pull_policy: the cluster default is IfNotPresent for tagged images',
      build: (t) => runnerHost(t, runner('k', 'kubernetes', '\t[runners.kubernetes]\n\t\tnamespace = "ci"\n')),
      expect: [{ status: 'warn', subject: 'runner:k', message: /^pull_policy is unset, so the cluster default applies: IfNotPresent/, evidence: ['[runners.kubernetes] pull_policy unset'] }],
    },
    {
      name: 'docker+machine reusing VMs (MaxBuilds = 10) is not ephemeral',
      build: (t) => runnerHost(t, runner('m', 'docker+machine', docker('\t\tpull_policy = "if-not-present"\n') + '\t[runners.machine]\n\t\tMaxBuilds = 10\n')),
      expect: [{ status: 'warn', subject: 'runner:m', message: 'pull_policy is if-not-present' }],
    },
  ],
  notApplicable: [
    noRunner,
    {
      name: 'docker+machine with MaxBuilds = 1 and docker-autoscaler with max_use_count = 1: moot',
      build: (t) =>
        runnerHost(
          t,
          runner('m', 'docker+machine', docker('\t\tpull_policy = "if-not-present"\n') + '\t[runners.machine]\n\t\tMaxBuilds = 1\n') +
            runner('as', 'docker-autoscaler', docker('\t\tpull_policy = ["if-not-present"]\n') + '\t[runners.autoscaler]\n\t\tmax_use_count = 1\n'),
        ),
      expect: [
        { status: 'skip', subject: 'runner:m', message: 'moot: docker+machine with [runners.machine] MaxBuilds = 1 runs one job per VM' },
        { status: 'skip', subject: 'runner:as', message: 'moot: docker-autoscaler with [runners.autoscaler] max_use_count = 1' },
      ],
    },
    {
      name: 'shell executor pulls no job images',
      build: (t) => runnerHost(t, runner('sh', 'shell')),
      expect: [{ status: 'skip', subject: 'runner:sh', message: 'the shell executor runs jobs directly on the host, in no container: it pulls no job images' }],
    },
  ],
  errors: [malformed],
});
