import check from '../../../checks/runner/git-fetch.js';
import { defineCases } from '../../helpers/check-cases.js';
import { CONFIG_PATH, malformed, noRunner, runner, runnerHost } from './fixture.js';

export default defineCases({
  check,
  passing: [
    {
      name: 'GIT_STRATEGY=clone; no environment; a later clone overrides an earlier fetch',
      build: (t) =>
        runnerHost(
          t,
          runner('a', 'docker', '', '\tenvironment = ["GIT_STRATEGY=clone", "GIT_DEPTH=10"]\n') +
            runner('b', 'shell') +
            runner('c', 'shell', '', '\tenvironment = [\n\t\t"GIT_STRATEGY=fetch", # old\n\t\t"GIT_STRATEGY=clone",\n\t]\n'),
        ),
      expect: [
        { status: 'pass', subject: 'runner:a', message: 'the runner environment sets GIT_STRATEGY=clone', evidence: [`${CONFIG_PATH}:12: [[runners]] environment entry "GIT_STRATEGY=clone"`] },
        { status: 'pass', subject: 'runner:b', message: 'does not set GIT_STRATEGY=fetch' },
        { status: 'pass', subject: 'runner:c', message: 'GIT_STRATEGY=clone' },
      ],
    },
  ],
  failing: [
    {
      name: 'GIT_STRATEGY=fetch in a multi-line environment with comments, next to a secret that stays out of the evidence',
      build: (t) =>
        runnerHost(
          t,
          runner('a', 'shell', '', '\tenvironment = [\n\t\t"LANG=C", # locale\n\t\t"DEPLOY_TOKEN=s3cr3t-value",\n\t\t"GIT_STRATEGY=fetch",\n\t]\n') + runner('b', 'docker'),
        ),
      expect: [
        {
          status: 'warn',
          subject: 'runner:a',
          message: 'GIT_STRATEGY=fetch in the runner environment reuses working copies across jobs; use it only when every user of the runner trusts the others',
          evidence: [/^\/etc\/gitlab-runner\/config\.toml:12: \[\[runners\]\] environment entry "GIT_STRATEGY=fetch"$/],
        },
        { status: 'pass', subject: 'runner:b' },
      ],
    },
  ],
  notApplicable: [
    noRunner,
    {
      name: 'ephemeral docker+machine and docker-autoscaler: moot',
      build: (t) =>
        runnerHost(
          t,
          runner('m', 'docker+machine', '\t[runners.machine]\n\t\tMaxBuilds = 1\n', '\tenvironment = ["GIT_STRATEGY=fetch"]\n') +
            runner('as', 'docker-autoscaler', '\t[runners.autoscaler]\n\t\tmax_use_count = 1\n', '\tenvironment = ["GIT_STRATEGY=fetch"]\n'),
        ),
      expect: [
        { status: 'skip', subject: 'runner:m', message: 'moot: docker+machine with [runners.machine] MaxBuilds = 1 runs one job per VM; no working copy outlives its job' },
        { status: 'skip', subject: 'runner:as', message: 'moot: docker-autoscaler' },
      ],
    },
  ],
  errors: [malformed],
});
