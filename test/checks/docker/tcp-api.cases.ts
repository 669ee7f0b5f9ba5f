import check from '../../../checks/docker/tcp-api.js';
import { defineCases } from '../../helpers/check-cases.js';
import { dockerHost } from './fixture.js';

export default defineCases({
  check,
  passing: [
    { name: 'the packaged unit: -H fd:// only', build: (t) => dockerHost(t, '{"log-driver": "journald"}'), expect: [{ status: 'pass', subject: 'dockerd', message: 'API on fd:// only' }] },
    {
      name: 'tcp with tlsverify in daemon.json',
      build: (t) => dockerHost(t, JSON.stringify({ hosts: ['unix:///var/run/docker.sock', 'tcp://0.0.0.0:2376'], tlsverify: true, tlscacert: '/etc/docker/ca.pem', tlscert: '/etc/docker/cert.pem', tlskey: '/etc/docker/key.pem' })),
      expect: [{ status: 'pass', subject: 'dockerd', message: 'client certificate verification', evidence: ['/etc/docker/daemon.json: "tlsverify": true'] }],
    },
    {
      name: 'drop-in ExecStart with quoted args, a continuation line and --tlsverify',
      build: async (t) => {
        await dockerHost(t);
        await t.file(
          '/etc/systemd/system/docker.service.d/tls.conf',
          '[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd -H fd:// \\\n  -H "tcp://0.0.0.0:2376" --tlsverify --tlscacert="/etc/docker/ca.pem" --tlscert=/etc/docker/cert.pem --tlskey=/etc/docker/key.pem\n',
        );
      },
      expect: [{ status: 'pass', subject: 'dockerd', message: 'tlsverify', evidence: ['/lib/systemd/system/docker.service ExecStart: tcp://0.0.0.0:2376', '/lib/systemd/system/docker.service ExecStart: --tlsverify'] }],
    },
    {
      name: 'an empty daemon.json (dockerd reads it as no settings); DOCKER_OPTS with a unix host only',
      build: async (t) => {
        await dockerHost(t, '\n');
        await t.file('/etc/default/docker', '# Docker Upstart and SysVinit configuration file\n#DOCKER_OPTS="--dns 8.8.8.8 --dns 8.8.4.4"\nexport DOCKER_OPTS="-H unix:///var/run/docker.sock"\n');
      },
      expect: [{ status: 'pass', subject: 'dockerd', message: 'API on fd://, unix:///var/run/docker.sock only' }],
    },
    {
      name: 'daemon.json with a UTF-8 BOM (written by a Windows editor)',
      build: (t) => dockerHost(t, '\ufeff{\n\t"hosts": ["unix:///run/docker.sock"]\n}\n'),
      expect: [{ status: 'pass', subject: 'dockerd', message: 'unix:///run/docker.sock' }],
    },
  ],
  failing: [
    {
      name: 'daemon.json hosts with tcp://127.0.0.1:2375 (still reachable by every local job)',
      build: (t) => dockerHost(t, '{\n  "hosts": ["fd://", "tcp://127.0.0.1:2375"]\n}\n'),
      expect: [{ status: 'fail', subject: 'dockerd', evidence: ['/etc/docker/daemon.json hosts: tcp://127.0.0.1:2375', '/etc/docker/daemon.json: "tlsverify": (not set)'] }],
    },
    {
      name: '-H tcp:// in a docker.service drop-in with --tls (not verification); DOCKER_OPTS --host=tcp://',
      build: async (t) => {
        await dockerHost(t);
        await t.file('/etc/systemd/system/docker.service.d/tcp.conf', `[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd -H fd:// -H tcp://0.0.0.0:2375 --tls\n`);
        await t.file('/etc/default/docker', 'DOCKER_OPTS="--host=tcp://10.0.0.1:2375"\n');
      },
      expect: [
        {
          status: 'fail',
          subject: 'dockerd',
          message: 'tls alone encrypts but accepts any client',
          evidence: ['/lib/systemd/system/docker.service ExecStart: tcp://0.0.0.0:2375', '/etc/default/docker DOCKER_OPTS: tcp://10.0.0.1:2375'],
        },
      ],
    },
    {
      name: '--tlsverify=false after --tlsverify (the last flag wins), compact -Htcp:// form',
      build: async (t) => {
        await dockerHost(t);
        await t.file('/etc/systemd/system/docker.service.d/tcp.conf', '[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd -Htcp://0.0.0.0:2376 --tlsverify --tlsverify=false\n');
      },
      expect: [{ status: 'fail', subject: 'dockerd', evidence: ['/lib/systemd/system/docker.service ExecStart: tcp://0.0.0.0:2376', '/lib/systemd/system/docker.service ExecStart: --tlsverify=false'] }],
    },
    {
      name: 'daemon.json "tls": true without tlsverify',
      build: (t) => dockerHost(t, '{"hosts": ["tcp://0.0.0.0:2376"], "tls": true, "tlscert": "/etc/docker/cert.pem", "tlskey": "/etc/docker/key.pem"}'),
      expect: [{ status: 'fail', subject: 'dockerd', message: 'tls alone encrypts but accepts any client' }],
    },
  ],
  notApplicable: [
    { name: 'Docker not installed', build: async () => {}, expect: [{ status: 'skip', subject: 'dockerd', message: 'Docker is not installed' }] },
  ],
  errors: [
    { name: 'malformed daemon.json (line named)', build: (t) => dockerHost(t, '{\n  "hosts": ["fd://"],\n  "icc": false,,\n}\n'), expect: [{ status: 'error', subject: '/etc/docker/daemon.json', message: /^\/etc\/docker\/daemon\.json:3: invalid JSON/ }] },
    {
      name: 'malformed daemon.json holding a proxy password: the parser message does not quote the file',
      build: (t) => dockerHost(t, '{"http-proxy": "http://ci:Sup3rSecretPw@proxy.internal:3128", "icc": fals}'),
      expect: [{ status: 'error', subject: '/etc/docker/daemon.json', message: /^\/etc\/docker\/daemon\.json: invalid JSON \(Unexpected token '}'\); cannot tell/ }],
    },
    {
      name: 'binary garbage in daemon.json',
      build: async (t) => {
        await dockerHost(t);
        await t.file('/etc/docker/daemon.json', Buffer.from([0x00, 0x01, 0xff, 0x7b, 0x0a]));
      },
      expect: [{ status: 'error', subject: '/etc/docker/daemon.json', message: /invalid JSON \(Unexpected token '\\u0000'\)/ }],
    },
    {
      name: 'a directory where daemon.json should be',
      build: async (t) => {
        await dockerHost(t);
        await t.dir('/etc/docker/daemon.json');
      },
      expect: [{ status: 'error', subject: '/etc/docker/daemon.json', message: 'is a directory' }],
    },
    {
      name: 'a directory where /etc/default/docker should be (DOCKER_OPTS unknown)',
      build: async (t) => {
        await dockerHost(t);
        await t.dir('/etc/default/docker');
      },
      expect: [{ status: 'error', subject: '/etc/default/docker', message: 'is a directory' }],
    },
  ],
});
