import check from '../../../checks/runner/privileged.js';
import { defineCases } from '../../helpers/check-cases.js';
import { garbage, malformed, noRunner, runner, runnerHost } from './fixture.js';

export default defineCases({
  check,
  passing: [
    {
      name: 'docker runner, privileged = false, several runners',
      build: (t) => runnerHost(t, runner('a', 'docker', '\t[runners.docker]\n\t\tprivileged = false\n') + runner('b', 'kubernetes', '\t[runners.kubernetes]\n\t\tnamespace = "ci"\n')),
      expect: [{ status: 'pass', subject: 'runner:a' }, { status: 'pass', subject: 'runner:b' }],
    },
  ],
  failing: [
    {
      name: 'privileged docker runner next to a clean one',
      build: (t) => runnerHost(t, runner('dind', 'docker', '\t[runners.docker]\n\t\tprivileged = true\n') + runner('plain', 'docker', '\t[runners.docker]\n\t\timage = "alpine"\n')),
      expect: [
        { status: 'fail', subject: 'runner:dind', evidence: ['[runners.docker] privileged = true'] },
        { status: 'pass', subject: 'runner:plain' },
      ],
    },
    {
      name: 'services_privileged = true alone, and kubernetes privileged',
      build: (t) => runnerHost(t, runner('svc', 'docker', '\t[runners.docker]\n\t\tservices_privileged = true\n') + runner('k8s', 'kubernetes', '\t[runners.kubernetes]\n\t\tprivileged = true\n')),
      expect: [
        { status: 'fail', subject: 'runner:svc', evidence: ['[runners.docker] services_privileged = true'] },
        { status: 'fail', subject: 'runner:k8s', evidence: ['[runners.kubernetes] privileged = true'] },
      ],
    },
    {
      name: 'privileged restricted by allowed_privileged_images: warn',
      build: (t) => runnerHost(t, runner('dind', 'docker', '\t[runners.docker]\n\t\tprivileged = true\n\t\tallowed_privileged_images = ["docker:*-dind"]\n')),
      expect: [{ status: 'warn', subject: 'runner:dind', message: 'protected branches', evidence: ['allowed_privileged_images = ["docker:*-dind"]'] }],
    },
  ],
  notApplicable: [
    noRunner,
    { name: 'shell runner', build: (t) => runnerHost(t, runner('sh', 'shell')), expect: [{ status: 'skip', subject: 'runner:sh', message: 'runs no job containers' }] },
  ],
  errors: [malformed, garbage],
});
