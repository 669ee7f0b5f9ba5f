import check from '../../../checks/runner/docker-socket-mount.js';
import { defineCases } from '../../helpers/check-cases.js';
import { malformed, noRunner, runner, runnerHost } from './fixture.js';

export default defineCases({
  check,
  passing: [
    {
      name: 'cache volumes only; a lone "/var/run/docker.sock" is an anonymous volume, not the host socket',
      build: (t) => runnerHost(t, runner('a', 'docker', '\t[runners.docker]\n\t\tvolumes = [\n\t\t\t"/cache", # shared cache\n\t\t\t"/srv/ci-cache:/cache2:rw",\n\t\t\t"/var/run/docker.sock",\n\t\t]\n')),
      expect: [{ status: 'pass', subject: 'runner:a' }],
    },
  ],
  failing: [
    {
      name: '/var/run/docker.sock with :ro, /run/docker.sock, a custom path, and in services_volumes',
      build: (t) =>
        runnerHost(
          t,
          runner('ro', 'docker', '\t[runners.docker]\n\t\tvolumes = ["/cache", "/var/run/docker.sock:/var/run/docker.sock:ro"]\n') +
            runner('run', 'docker', '\t[runners.docker]\n\t\tvolumes = ["/run/docker.sock:/var/run/docker.sock"]\n') +
            runner('custom', 'docker', '\t[runners.docker]\n\t\tservices_volumes = ["/srv/rootless/docker.sock:/var/run/docker.sock"]\n'),
        ),
      expect: [
        { status: 'fail', subject: 'runner:ro', message: '/var/run/docker.sock', evidence: ['[runners.docker] volumes: "/var/run/docker.sock:/var/run/docker.sock:ro"'] },
        { status: 'fail', subject: 'runner:run', message: '/run/docker.sock' },
        { status: 'fail', subject: 'runner:custom', evidence: ['[runners.docker] services_volumes: "/srv/rootless/docker.sock:/var/run/docker.sock"'] },
      ],
    },
    {
      name: 'kubernetes host_path volume of the socket',
      build: (t) => runnerHost(t, runner('k', 'kubernetes', '\t[runners.kubernetes]\n\t\t[[runners.kubernetes.volumes.host_path]]\n\t\t\tname = "docker"\n\t\t\tmount_path = "/var/run/docker.sock"\n\t\t\thost_path = "/var/run/docker.sock"\n')),
      expect: [{ status: 'fail', subject: 'runner:k', evidence: ['[[runners.kubernetes.volumes.host_path]]: "host_path = "/var/run/docker.sock""'] }],
    },
  ],
  notApplicable: [noRunner, { name: 'shell runner', build: (t) => runnerHost(t, runner('sh', 'shell')), expect: [{ status: 'skip', subject: 'runner:sh' }] }],
  errors: [malformed],
});
