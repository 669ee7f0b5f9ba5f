import check from '../../../checks/runner/autoscaled-one-job.js';
import { defineCases } from '../../helpers/check-cases.js';
import { noRunner, runner, runnerHost } from './fixture.js';

export default defineCases({
  check,
  passing: [
    {
      name: 'privileged docker+machine with MaxBuilds = 1; unprivileged autoscaler reusing VMs',
      build: (t) =>
        runnerHost(
          t,
          runner('m', 'docker+machine', '\t[runners.docker]\n\t\tprivileged = true\n\t[runners.machine]\n\t\tIdleCount = 2\n\t\tMaxBuilds = 1\n') +
            runner('a', 'docker-autoscaler', '\t[runners.docker]\n\t\tprivileged = false\n\t[runners.autoscaler]\n\t\tmax_use_count = 50\n'),
        ),
      expect: [{ status: 'pass', subject: 'runner:m', message: 'one job' }, { status: 'pass', subject: 'runner:a', message: 'not privileged' }],
    },
  ],
  failing: [
    {
      name: 'privileged with MaxBuilds = 10, and privileged autoscaler with max_use_count unset',
      build: (t) =>
        runnerHost(
          t,
          runner('m', 'docker+machine', '\t[runners.docker]\n\t\tprivileged = true\n\t[runners.machine]\n\t\tMaxBuilds = 10\n') +
            runner('a', 'docker-autoscaler', '\t[runners.docker]\n\t\tservices_privileged = true\n\t[runners.autoscaler]\n\t\tcapacity_per_instance = 1\n'),
        ),
      expect: [
        { status: 'fail', subject: 'runner:m', evidence: ['[runners.machine] MaxBuilds = 10', '[runners.docker] privileged = true'] },
        { status: 'fail', subject: 'runner:a', evidence: ['[runners.autoscaler] max_use_count = (unset)'] },
      ],
    },
  ],
  notApplicable: [noRunner, { name: 'static docker runner', build: (t) => runnerHost(t, runner('d', 'docker', '\t[runners.docker]\n\t\tprivileged = true\n')), expect: [{ status: 'skip', subject: 'runner:d' }] }],
});
