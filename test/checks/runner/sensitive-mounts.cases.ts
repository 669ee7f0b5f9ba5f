import check from '../../../checks/runner/sensitive-mounts.js';
import { defineCases } from '../../helpers/check-cases.js';
import { noRunner, runner, runnerHost } from './fixture.js';

export default defineCases({
  check,
  passing: [
    {
      name: 'dedicated dirs, /etc-like names that are not /etc, and the socket (RG-RUN-004\'s)',
      build: (t) => runnerHost(t, runner('a', 'docker', '\t[runners.docker]\n\t\tvolumes = ["/srv/cache:/cache", "/etcetera:/x:ro", "/home-ci:/h", "/var/run/docker.sock:/var/run/docker.sock"]\n')),
      expect: [{ status: 'pass', subject: 'runner:a' }],
    },
  ],
  failing: [
    {
      name: '/, /etc/ssl below /etc, /root/.ssh, /var/lib/docker/ with a trailing slash, /proc',
      build: (t) => runnerHost(t, runner('a', 'docker', '\t[runners.docker]\n\t\tvolumes = ["/:/host:ro", "/etc/ssl:/etc/ssl:ro", "/root/.ssh:/keys", "/var/lib/docker/:/d", "/proc:/hostproc"]\n')),
      expect: [{ status: 'fail', subject: 'runner:a', message: 'sensitive host paths are mounted into jobs: /, /etc/ssl, /root/.ssh, /var/lib/docker, /proc' }],
    },
  ],
  notApplicable: [noRunner, { name: 'ssh executor', build: (t) => runnerHost(t, runner('s', 'ssh')), expect: [{ status: 'skip', subject: 'runner:s' }] }],
});
