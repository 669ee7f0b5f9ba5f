import check from '../../../checks/runner/autoscaled-one-job.js';
import { defineCases } from '../../helpers/check-cases.js';
import { CONFIG_PATH, garbage, malformed, noRunner, runner, runnerHost } from './fixture.js';

const at = (line: number) => `${CONFIG_PATH}:${line}: `;

/** docker+machine as the autoscaling docs write it: a multi-line MachineOptions array with comments. In a first runner it starts at line 16. */
const machine = (docker: string, maxBuilds: string) => `\t[runners.docker]
\t\timage = "alpine:3.20"
${docker}\t[runners.machine]
\t\tIdleCount = 2
\t\tIdleTime = 1800
${maxBuilds}\t\tMachineDriver = "amazonec2"
\t\tMachineName = "gitlab-docker-machine-%s"
\t\tMachineOptions = [
\t\t\t"amazonec2-region=eu-central-1", # [runners.docker] privileged = true is not a key here
\t\t\t"amazonec2-instance-type=m5.large",
\t\t\t# "amazonec2-use-private-address=true",
\t\t]
`;

/** docker-autoscaler with the fleeting plugin's sub-tables and an array of policy tables. */
const autoscaler = (docker: string, maxUse: string) => `\t[runners.docker]
\t\timage = "alpine:3.20"
${docker}\t[runners.autoscaler]
\t\tplugin = "aws"
\t\tcapacity_per_instance = 1
${maxUse}\t\tmax_instances = 10
\t\t[runners.autoscaler.plugin_config]
\t\t\tname = "ci-asg"
\t\t[runners.autoscaler.connector_config]
\t\t\tusername = "ec2-user"
\t\t[[runners.autoscaler.policy]]
\t\t\tidle_count = 2
\t\t\tidle_time = "20m0s"
\t\t[[runners.autoscaler.policy]]
\t\t\tperiods = ["* 8-18 * * mon-fri"]
\t\t\tidle_count = 5
`;

export default defineCases({
  check,
  passing: [
    {
      name: 'privileged docker+machine with MaxBuilds = 1; an unprivileged autoscaler reusing VMs',
      build: (t) =>
        runnerHost(
          t,
          runner('m', 'docker+machine', machine('\t\tprivileged = true\n', '\t\tMaxBuilds = 1\n')) +
            runner('a', 'docker-autoscaler', autoscaler('\t\tprivileged = false\n', '\t\tmax_use_count = 50\n')),
        ),
      expect: [
        { status: 'pass', subject: 'runner:m', message: 'each docker+machine VM takes one job', evidence: [`${at(18)}[runners.docker] privileged = true`, `${at(22)}[runners.machine] MaxBuilds = 1`] },
        { status: 'pass', subject: 'runner:a', message: 'jobs are not privileged', evidence: [`${at(49)}[runners.autoscaler] max_use_count = 50`] },
      ],
    },
    {
      name: 'privileged docker-autoscaler with max_use_count = 1 (located past the policy tables of another runner)',
      build: (t) =>
        runnerHost(
          t,
          runner('a1', 'docker-autoscaler', autoscaler('', '\t\tmax_use_count = 20\n')) +
            runner('a2', 'docker-autoscaler', autoscaler('\t\tprivileged = true\n\t\tservices_privileged = true\n', '\t\tmax_use_count = 1\n')),
        ),
      expect: [
        { status: 'pass', subject: 'runner:a1', evidence: [`${at(21)}[runners.autoscaler] max_use_count = 20`] },
        {
          status: 'pass',
          subject: 'runner:a2',
          evidence: [`${at(48)}[runners.docker] privileged = true`, `${at(49)}[runners.docker] services_privileged = true`, `${at(53)}[runners.autoscaler] max_use_count = 1`],
        },
      ],
    },
  ],
  failing: [
    {
      name: 'privileged docker+machine with MaxBuilds = 10',
      build: (t) => runnerHost(t, runner('m', 'docker+machine', machine('\t\tprivileged = true\n', '\t\tMaxBuilds = 10\n'))),
      expect: [
        {
          status: 'fail',
          subject: 'runner:m',
          message: 'privileged jobs share autoscaled VMs: MaxBuilds is 10, not 1',
          evidence: [`${at(18)}[runners.docker] privileged = true`, `${at(22)}[runners.machine] MaxBuilds = 10`],
        },
      ],
    },
    {
      name: 'services_privileged alone, max_use_count unset; MaxBuilds = 0 (unlimited); one finding per runner',
      build: (t) =>
        runnerHost(
          t,
          runner('a', 'docker-autoscaler', autoscaler('\t\tservices_privileged = true\n', '')) +
            runner('m', 'docker+machine', machine('\t\tprivileged = true\n', '\t\tMaxBuilds = 0\n')) +
            runner('plain', 'docker+machine', machine('', '')),
        ),
      expect: [
        { status: 'fail', subject: 'runner:a', message: 'max_use_count is unset, so VMs are reused', evidence: [`${at(18)}[runners.docker] services_privileged = true`, `${at(19)}[runners.autoscaler] max_use_count unset`] },
        { status: 'fail', subject: 'runner:m', message: 'MaxBuilds is 0, unlimited reuse', evidence: [`${at(48)}[runners.docker] privileged = true`, `${at(52)}[runners.machine] MaxBuilds = 0`] },
        { status: 'pass', subject: 'runner:plain', message: 'not privileged', evidence: [`${at(75)}[runners.machine] MaxBuilds unset`] },
      ],
    },
  ],
  notApplicable: [
    noRunner,
    {
      name: 'static docker (privileged), kubernetes and shell runners',
      build: (t) =>
        runnerHost(t, runner('d', 'docker', '\t[runners.docker]\n\t\tprivileged = true\n') + runner('k', 'kubernetes', '\t[runners.kubernetes]\n\t\tnamespace = "ci"\n') + runner('s', 'shell')),
      expect: [
        { status: 'skip', subject: 'runner:d', message: 'not an autoscaled executor (executor "docker")' },
        { status: 'skip', subject: 'runner:k' },
        { status: 'skip', subject: 'runner:s' },
      ],
    },
  ],
  errors: [malformed, garbage],
});
