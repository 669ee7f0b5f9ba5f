import check from '../../../checks/docker/tcp-api.js';
import { defineCases } from '../../helpers/check-cases.js';
import { dockerHost } from './fixture.js';

export default defineCases({
  check,
  passing: [
    { name: 'the packaged unit: -H fd:// only', build: (t) => dockerHost(t, '{"log-driver": "journald"}'), expect: [{ status: 'pass', subject: 'dockerd', message: 'API on fd://' }] },
    {
      name: 'tcp with tlsverify in daemon.json',
      build: (t) => dockerHost(t, JSON.stringify({ hosts: ['unix:///var/run/docker.sock', 'tcp://0.0.0.0:2376'], tlsverify: true, tlscacert: '/etc/docker/ca.pem', tlscert: '/etc/docker/cert.pem', tlskey: '/etc/docker/key.pem' })),
      expect: [{ status: 'pass', subject: 'dockerd', message: 'client certificate verification' }],
    },
  ],
  failing: [
    {
      name: 'daemon.json hosts with tcp://127.0.0.1:2375 (still reachable by every local job)',
      build: (t) => dockerHost(t, '{\n  "hosts": ["fd://", "tcp://127.0.0.1:2375"]\n}\n'),
      expect: [{ status: 'fail', subject: 'dockerd', evidence: ['/etc/docker/daemon.json hosts: tcp://127.0.0.1:2375'] }],
    },
    {
      name: '-H tcp:// in a docker.service drop-in with --tls (not verification); DOCKER_OPTS --host=tcp://',
      build: async (t) => {
        await dockerHost(t);
        await t.file('/etc/systemd/system/docker.service.d/tcp.conf', `[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd -H fd:// -H tcp://0.0.0.0:2375 --tls\n`);
        await t.file('/etc/default/docker', 'DOCKER_OPTS="--host=tcp://10.0.0.1:2375"\n');
      },
      expect: [{ status: 'fail', subject: 'dockerd', evidence: ['/lib/systemd/system/docker.service ExecStart: tcp://0.0.0.0:2375', '/etc/default/docker DOCKER_OPTS: tcp://10.0.0.1:2375'] }],
    },
  ],
  notApplicable: [{ name: 'Docker not installed', build: async () => {}, expect: [{ status: 'skip', subject: 'dockerd' }] }],
  errors: [
    { name: 'malformed daemon.json (line named)', build: (t) => dockerHost(t, '{\n  "hosts": ["fd://"],\n  "icc": false,,\n}\n'), expect: [{ status: 'error', subject: '/etc/docker/daemon.json', message: /^\/etc\/docker\/daemon\.json:3: invalid JSON/ }] },
    {
      name: 'a directory where daemon.json should be',
      build: async (t) => {
        await dockerHost(t);
        await t.dir('/etc/docker/daemon.json');
      },
      expect: [{ status: 'error', subject: '/etc/docker/daemon.json', message: 'is a directory' }],
    },
  ],
});
