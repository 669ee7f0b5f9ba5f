import check from '../../../checks/runner/remote-docker-tls.js';
import { defineCases } from '../../helpers/check-cases.js';
import { noRunner, runner, runnerHost } from './fixture.js';

export default defineCases({
  check,
  passing: [
    {
      name: 'local socket; tcp with tls_verify and certs',
      build: (t) => runnerHost(t, runner('local', 'docker', '\t[runners.docker]\n\t\thost = "unix:///var/run/docker.sock"\n') + runner('remote', 'docker', '\t[runners.docker]\n\t\thost = "tcp://docker1.internal:2376"\n\t\ttls_verify = true\n\t\ttls_cert_path = "/etc/gitlab-runner/certs/docker1"\n')),
      expect: [{ status: 'pass', subject: 'runner:local' }, { status: 'pass', subject: 'runner:remote', message: 'verified TLS' }],
    },
  ],
  failing: [
    {
      name: 'tcp://:2375 without TLS; tls_verify without client certs',
      build: (t) => runnerHost(t, runner('plain', 'docker', '\t[runners.docker]\n\t\thost = "tcp://10.0.0.5:2375"\n') + runner('half', 'docker', '\t[runners.docker]\n\t\thost = "tcp://10.0.0.6:2376"\n\t\ttls_verify = true\n')),
      expect: [
        { status: 'fail', subject: 'runner:plain', message: 'tls_verify is not true, no tls_cert_path', evidence: ['host = "tcp://10.0.0.5:2375"'] },
        { status: 'fail', subject: 'runner:half', message: 'no tls_cert_path' },
      ],
    },
  ],
  notApplicable: [noRunner, { name: 'kubernetes runner', build: (t) => runnerHost(t, runner('k', 'kubernetes')), expect: [{ status: 'skip', subject: 'runner:k' }] }],
});
