import check from '../../../checks/docker/socket-permissions.js';
import { defineCases } from '../../helpers/check-cases.js';
import { dockerHost, DOCKER_SOCKET_UNIT } from './fixture.js';

export default defineCases({
  check,
  passing: [
    {
      name: 'real socket 0660 root:docker (reached through /var/run -> /run) and the Debian unit',
      build: async (t) => {
        await dockerHost(t);
        await t.socket('/run/docker.sock', { mode: 0o660, uid: 0, gid: 999 });
        await t.symlink('/var/run', '/run');
      },
      expect: [
        { status: 'pass', subject: '/var/run/docker.sock', message: 'mode 0660, root:docker' },
        { status: 'pass', subject: '/lib/systemd/system/docker.socket' },
      ],
    },
    {
      name: 'offline image: no socket, only the unit; numeric SocketUser/SocketGroup in a drop-in',
      build: async (t) => {
        await dockerHost(t);
        await t.file('/etc/systemd/system/docker.socket.d/10-ids.conf', '# pinned ids\n[Socket]\nSocketUser=0\nSocketGroup=999\nSocketMode=0600\n');
      },
      expect: [{ status: 'pass', subject: '/lib/systemd/system/docker.socket', message: 'mode 0600, root:docker', evidence: [/10-ids\.conf\): SocketMode=0600 SocketUser=root SocketGroup=docker/] }],
    },
  ],
  failing: [
    {
      name: 'attacker: SocketMode=0660 from root, and a later drop-in in /run/systemd/transient owned by uid 999: warn, not pass',
      build: async (t) => {
        await dockerHost(t);
        await t.file('/run/systemd/transient/docker.socket.d/zz.conf', '[Socket]\nSocketMode=0660\n', { uid: 999, gid: 999 });
      },
      expect: [{ status: 'warn', subject: '/lib/systemd/system/docker.socket', message: /^not a pass: docker\.socket takes settings from files a user other than root can rewrite \(\/run\/systemd\/transient\/docker\.socket\.d\/zz\.conf is owned by uid 999\)/ }],
    },
    {
      name: 'socket 0666 (chmod by hand) and a drop-in with SocketMode=0666',
      build: async (t) => {
        await dockerHost(t);
        await t.socket('/run/docker.sock', { mode: 0o666, uid: 0, gid: 999 });
        await t.file('/etc/systemd/system/docker.socket.d/override.conf', '[Socket]\nSocketMode=0666\n');
      },
      expect: [
        { status: 'fail', subject: '/run/docker.sock', message: 'others can read/write (mode 0666)' },
        { status: 'fail', subject: '/lib/systemd/system/docker.socket', evidence: [/override\.conf\): SocketMode=0666/] },
      ],
    },
    {
      name: 'socket owned by a user, group other than docker; a unit without SocketMode (systemd default 0666)',
      build: async (t) => {
        await t.useradd('ci', { uid: 1200 });
        await t.socket('/var/run/docker.sock', { mode: 0o660, uid: 1200, gid: 1200 });
        await t.unit('docker.socket', '[Socket]\nListenStream=/var/run/docker.sock\n');
      },
      expect: [
        { status: 'fail', subject: '/var/run/docker.sock', message: 'owned by ci, not root', evidence: ['uid 1200, gid 1200'] },
        { status: 'fail', subject: '/etc/systemd/system/docker.socket', evidence: [/SocketMode=\(unset, 0666\)/] },
      ],
    },
    {
      name: 'group ci instead of docker: warn',
      build: async (t) => {
        await t.groupadd('ci', 1300);
        await t.socket('/run/docker.sock', { mode: 0o660, uid: 0, gid: 1300 });
      },
      expect: [{ status: 'warn', subject: '/run/docker.sock', message: 'group ci' }],
    },
    {
      name: 'a SocketMode systemd cannot parse is ignored: the default 0666 applies',
      build: (t) => t.unit('docker.socket', '[Socket]\nListenStream=/run/docker.sock\nSocketMode=rw-rw----\nSocketGroup=docker\n'),
      expect: [{ status: 'fail', subject: '/etc/systemd/system/docker.socket', message: 'mode 0666', evidence: ['ignored by systemd (not an octal mode): SocketMode=rw-rw----'] }],
    },
    {
      name: 'a bad drop-in value keeps the packaged 0660, a SocketUser override does not',
      build: async (t) => {
        await t.useradd('ci', { uid: 1200 });
        await t.unit('docker.socket', DOCKER_SOCKET_UNIT, '/lib/systemd/system');
        await t.file('/etc/systemd/system/docker.socket.d/override.conf', '[Socket]\nSocketMode=0660x\nSocketUser=ci\n');
      },
      expect: [{ status: 'fail', subject: '/lib/systemd/system/docker.socket', message: 'owned by ci, not root', evidence: [/SocketMode=0660 SocketUser=ci/, 'ignored by systemd (not an octal mode): SocketMode=0660x'] }],
    },
  ],
  notApplicable: [{ name: 'no Docker at all', build: async () => {}, expect: [{ status: 'skip', subject: 'docker.sock' }] }],
  errors: [
    {
      name: 'a directory where the socket should be (a bind mount gone wrong)',
      build: async (t) => {
        await dockerHost(t);
        await t.dir('/run/docker.sock');
      },
      expect: [
        { status: 'error', subject: '/run/docker.sock', message: '/run/docker.sock is a dir, not a socket' },
        { status: 'pass', subject: '/lib/systemd/system/docker.socket' },
      ],
    },
    {
      name: 'a directory where docker.socket should be',
      build: async (t) => {
        await t.dir('/etc/systemd/system/docker.socket');
      },
      expect: [{ status: 'error', subject: '/etc/systemd/system/docker.socket', message: 'is a directory' }],
    },
  ],
});
