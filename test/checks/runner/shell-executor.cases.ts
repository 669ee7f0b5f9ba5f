import check from '../../../checks/runner/shell-executor.js';
import { defineCases } from '../../helpers/check-cases.js';
import { gitlabRunnerUnit } from '../../helpers/fixture-tree.js';
import { CONFIG_PATH, garbage, malformed, noRunner, runner, runnerHost } from './fixture.js';

export default defineCases({
  check,
  passing: [
    {
      name: 'docker, kubernetes and docker+machine runners: one finding each',
      build: (t) => runnerHost(t, runner('d', 'docker') + runner('k', 'kubernetes') + runner('m', 'docker+machine')),
      expect: [
        { status: 'pass', subject: 'runner:d', message: 'executor = "docker"', evidence: [`${CONFIG_PATH}:11: [[runners]] executor = "docker"`] },
        { status: 'pass', subject: 'runner:k', message: 'executor = "kubernetes"' },
        { status: 'pass', subject: 'runner:m', message: 'executor = "docker+machine"' },
      ],
    },
  ],
  failing: [
    {
      name: 'a shell runner among docker ones: jobs run on the host as the --user of the service',
      build: (t) => runnerHost(t, runner('d', 'docker') + runner('sh', 'shell')),
      expect: [
        { status: 'pass', subject: 'runner:d' },
        {
          status: 'warn',
          subject: 'runner:sh',
          message: 'executor = "shell": jobs run directly on the host as gitlab-runner; use it only for trusted builds',
          evidence: [`${CONFIG_PATH}:24: [[runners]] executor = "shell"`],
        },
      ],
    },
  ],
  notApplicable: [
    noRunner,
    { name: 'installed, no [[runners]] registered', build: (t) => runnerHost(t, ''), expect: [{ status: 'skip', subject: CONFIG_PATH, message: 'no [[runners]]' }] },
  ],
  errors: [
    malformed,
    garbage,
    {
      name: 'a directory where config.toml should be',
      build: async (t) => {
        await t.unit('gitlab-runner.service', gitlabRunnerUnit({ config: CONFIG_PATH, userArg: 'gitlab-runner' }));
        await t.dir(CONFIG_PATH);
      },
      expect: [{ status: 'error', subject: CONFIG_PATH, message: `${CONFIG_PATH}: is a directory, expected a file` }],
    },
  ],
});
