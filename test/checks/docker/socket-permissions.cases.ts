import check from '../../../checks/docker/socket-permissions.js';
import { defineCases } from '../../helpers/check-cases.js';
import { dockerHost } from './fixture.js';

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
  ],
  failing: [
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
        { status: 'fail', subject: '/var/run/docker.sock', message: 'owned by ci, not root' },
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
  ],
  notApplicable: [{ name: 'no Docker at all', build: async () => {}, expect: [{ status: 'skip', subject: 'docker.sock' }] }],
  errors: [
    {
      name: 'SocketMode that is not octal',
      build: (t) => t.unit('docker.socket', '[Socket]\nSocketMode=rw-rw----\n'),
      expect: [{ status: 'error', subject: '/etc/systemd/system/docker.socket', message: 'not an octal mode' }],
    },
  ],
});
