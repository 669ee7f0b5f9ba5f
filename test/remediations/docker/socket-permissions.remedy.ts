import { lstatSync, readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { renderPlans } from '../../../agent/remediate/render.js';
import socketPermissions, { DROP_IN } from '../../../remediations/docker/socket-permissions.js';
import { defineRemediationCases } from '../../helpers/remediation-cases.js';
import { dockerHost } from '../../checks/docker/fixture.js';

export default defineRemediationCases({
  remediation: socketPermissions,
  cases: [
    {
      name: 'a real socket 0666 reached through /var/run -> /run, a drop-in with SocketMode=0666: chmod, and our drop-in sorts after it',
      build: async (t) => {
        await dockerHost(t);
        await t.socket('/run/docker.sock', { mode: 0o666, uid: 0, gid: 999 });
        await t.symlink('/var/run', '/run');
        await t.file('/etc/systemd/system/docker.socket.d/override.conf', '[Socket]\nSocketMode=0666\n');
      },
      plan: async (p, host) => {
        expect(p.refusals).toEqual([]);
        const text = await renderPlans(host, [p]);
        expect(text).toContain(
          [
            '  /var/run/docker.sock: socket mode 0660, owner root:docker',
            '',
            '    chmod 0660 /var/run/docker.sock',
            '',
            '  /lib/systemd/system/docker.socket: docker.socket drop-in: SocketMode=0660, SocketGroup=docker',
            '',
            `    write ${DROP_IN} (0644 0:0)`,
            '    --- /dev/null',
            `    +++ ${DROP_IN}`,
            '    @@ -0,0 +1,5 @@',
            '    +# Written by runnerguard (RG-DOCKER-002): only root and group docker may use the Docker API.',
            '    +# `runnerguard rollback` removes it.',
            '    +[Socket]',
            '    +SocketMode=0660',
            '    +SocketGroup=docker',
          ].join('\n'),
        );
        // Offline: no systemctl daemon-reload.
        expect(text).not.toContain('systemctl');
      },
      applied: (t) => {
        expect(lstatSync(t.p('/run/docker.sock')).mode & 0o7777).toBe(0o660);
        expect(readFileSync(t.p(DROP_IN), 'utf8')).toContain('[Socket]\nSocketMode=0660\nSocketGroup=docker\n');
      },
    },
    {
      name: 'socket owned by a user, no docker group, a unit with SocketUser=ci: chown root:root, drop-in with SocketUser=root (dirs created, removed on rollback)',
      build: async (t) => {
        await t.useradd('ci', { uid: 1200 });
        await t.socket('/var/run/docker.sock', { mode: 0o660, uid: 1200, gid: 1200 });
        await t.unit('docker.socket', '[Socket]\nListenStream=/var/run/docker.sock\nSocketUser=ci\n', '/lib/systemd/system');
      },
      plan: (p) => {
        expect(p.plans.map((x) => x.steps)).toEqual([
          [{ op: 'chown', path: '/var/run/docker.sock', uid: 0, gid: 0 }],
          [{ op: 'writeFile', path: DROP_IN, mode: 0o644, uid: 0, gid: 0, content: expect.stringContaining('[Socket]\nSocketMode=0660\nSocketUser=root\nSocketGroup=root\n') }],
        ]);
      },
      applied: (t) => {
        const st = lstatSync(t.p('/var/run/docker.sock'));
        expect([st.uid, st.gid, st.mode & 0o7777]).toEqual([0, 0, 0o660]);
      },
    },
  ],
});
