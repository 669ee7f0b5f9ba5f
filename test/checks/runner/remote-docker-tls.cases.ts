import check from '../../../checks/runner/remote-docker-tls.js';
import { defineCases } from '../../helpers/check-cases.js';
import { CONFIG_PATH, garbage, malformed, noRunner, runner, runnerHost } from './fixture.js';

const at = (line: number) => `${CONFIG_PATH}:${line}: `;

export default defineCases({
  check,
  passing: [
    {
      name: 'no host (register default), unix socket, ssh://, and tcp:// with tls_verify and client certs',
      build: (t) =>
        runnerHost(
          t,
          runner('default', 'docker', '\t[runners.docker]\n\t\ttls_verify = false\n\t\timage = "alpine"\n\t\tshm_size = 0\n') +
            runner('unix', 'docker', '\t[runners.docker]\n\t\thost = "unix:///var/run/docker.sock"\n') +
            runner('ssh', 'docker', '\t[runners.docker]\n\t\thost = "ssh://ci@docker1.internal"\n') +
            runner('tls', 'docker-autoscaler', '\t[runners.docker]\n\t\thost = "tcp://docker1.internal:2376"\n\t\ttls_verify = true\n\t\ttls_cert_path = "/etc/gitlab-runner/certs/docker1"\n'),
        ),
      expect: [
        { status: 'pass', subject: 'runner:default', message: 'local Docker socket', evidence: [`${at(16)}[runners.docker] host unset`] },
        { status: 'pass', subject: 'runner:unix', message: 'local socket (unix:///var/run/docker.sock)' },
        { status: 'pass', subject: 'runner:ssh', message: 'over SSH' },
        {
          status: 'pass',
          subject: 'runner:tls',
          message: 'tcp://docker1.internal:2376 is used over verified TLS with a client certificate',
          evidence: ['[runners.docker] tls_verify = true', '[runners.docker] tls_cert_path = "/etc/gitlab-runner/certs/docker1"'],
        },
      ],
    },
  ],
  failing: [
    {
      name: 'tcp://:2375 without TLS (tls_verify = false as register writes it)',
      build: (t) => runnerHost(t, runner('plain', 'docker', '\t[runners.docker]\n\t\ttls_verify = false\n\t\thost = "tcp://10.0.0.5:2375"\n\t\timage = "alpine"\n')),
      expect: [
        {
          status: 'fail',
          subject: 'runner:plain',
          message: 'the Docker API at tcp://10.0.0.5:2375 is used without verified TLS: tls_verify is off, no tls_cert_path (no client certificate)',
          evidence: [`${at(18)}[runners.docker] host = "tcp://10.0.0.5:2375"`, `${at(17)}[runners.docker] tls_verify = false`, `${at(16)}[runners.docker] tls_cert_path unset`],
        },
      ],
    },
    {
      name: 'half-done TLS: verify without client certs, certs without verify, tls_verify unset; a local runner beside them',
      build: (t) =>
        runnerHost(
          t,
          runner('verify-only', 'docker', '\t[runners.docker]\n\t\thost = "tcp://10.0.0.6:2376"\n\t\ttls_verify = true\n') +
            runner('certs-only', 'docker+machine', '\t[runners.docker]\n\t\thost = "tcp://10.0.0.7:2376"\n\t\ttls_verify = false\n\t\ttls_cert_path = "/etc/gitlab-runner/certs"\n') +
            runner('unset', 'docker', '\t[runners.docker]\n\t\thost = "TCP://10.0.0.8:2376" # scheme in capitals\n\t\ttls_cert_path = "/etc/gitlab-runner/certs"\n') +
            runner('local', 'docker', '\t[runners.docker]\n\t\timage = "alpine"\n'),
        ),
      expect: [
        { status: 'fail', subject: 'runner:verify-only', message: /without verified TLS: no tls_cert_path \(no client certificate\);/ },
        { status: 'fail', subject: 'runner:certs-only', message: /without verified TLS: tls_verify is off;/ },
        { status: 'fail', subject: 'runner:unset', message: /without verified TLS: tls_verify is unset \(off\);/, evidence: ['[runners.docker] tls_verify unset'] },
        { status: 'pass', subject: 'runner:local' },
      ],
    },
  ],
  notApplicable: [
    noRunner,
    {
      name: 'kubernetes, shell and ssh runners',
      build: (t) => runnerHost(t, runner('k', 'kubernetes', '\t[runners.kubernetes]\n\t\tnamespace = "ci"\n') + runner('s', 'shell') + runner('ssh', 'ssh')),
      expect: [
        { status: 'skip', subject: 'runner:k', message: 'not a docker executor (executor "kubernetes")' },
        { status: 'skip', subject: 'runner:s' },
        { status: 'skip', subject: 'runner:ssh' },
      ],
    },
  ],
  errors: [malformed, garbage],
});
