import { dockerFacts, SOCKETS } from '../../agent/facts/docker.js';
import { unitValue } from '../../agent/facts/systemd.js';
import { checkWith } from '../../agent/remediate/overlay-fs.js';
import { defineRemediation, type Plan, type Refusal, type Step } from '../../agent/remediate/types.js';
import check from '../../checks/docker/socket-permissions.js';

const ID = 'RG-DOCKER-002';
export const DROP_IN = '/etc/systemd/system/docker.socket.d/runnerguard.conf';

/** The drop-in: systemd.socket(5) defaults are 0666 root:root, so mode and group are always spelled out. */
export function dropInText(group: string, user: boolean): string {
  return [
    '# Written by runnerguard (RG-DOCKER-002): only root and group docker may use the Docker API.',
    '# `runnerguard rollback` removes it.',
    '[Socket]',
    'SocketMode=0660',
    ...(user ? ['SocketUser=root'] : []),
    `SocketGroup=${group}`,
    '',
  ].join('\n');
}

export default defineRemediation({
  meta: {
    id: ID,
    title: 'Docker socket mode 0660 root:docker, and a docker.socket drop-in that keeps it so',
    impact:
      'users and services outside group docker (and not root) lose access to the Docker API; nothing is restarted: the socket gets its new mode now, and systemd applies the drop-in the next time it creates the socket',
    restartsService: false,
    touches: [{ op: 'chmod', path: /\.sock$/ }, { op: 'chown', path: /\.sock$/ }, { op: 'writeFile', path: /^\/etc\/systemd\/system\/docker\.socket\.d\/runnerguard\.conf$/ }, { op: 'reload', argv: /^systemctl daemon-reload$/ }],
  },
  async plan(ctx, findings) {
    const users = await ctx.host.users();
    // Without a docker group only root keeps access; SocketGroup= naming a missing group would stop the socket unit.
    const group = users.group('docker') ? 'docker' : 'root';
    const gid = users.group(group)?.gid ?? 0;
    const out: Array<Plan | Refusal> = [];
    for (const f of findings) {
      if (SOCKETS.includes(f.subject)) {
        const st = await ctx.host.fs.stat(f.subject);
        if (st?.kind !== 'socket') continue;
        const steps: Step[] = [];
        if (st.uid !== 0 || st.gid !== gid) steps.push({ op: 'chown', path: f.subject, uid: 0, gid });
        if (st.mode !== 0o660) steps.push({ op: 'chmod', path: f.subject, mode: 0o660 });
        out.push({ remediation: ID, subject: f.subject, summary: `socket mode 0660, owner root:${group}`, steps });
        continue;
      }
      const unit = (await ctx.facts.get(dockerFacts)).socketUnit;
      if (!unit || unit.path !== f.subject) continue;
      const owner = unitValue(unit, 'Socket', 'SocketUser');
      const content = dropInText(group, owner !== undefined && owner !== 'root' && owner !== '0');
      // Drop-ins apply in name order: one sorting after ours (zz-local.conf) would still win.
      const after = (await checkWith(ctx, check, { [DROP_IN]: content })).find((x) => x.subject === unit.path);
      if (after?.status !== 'pass') {
        out.push({ remediation: ID, subject: f.subject, reason: `with ${DROP_IN} in place docker.socket would still be ${after?.status ?? 'unjudged'}: ${after?.message ?? ''} (${(after?.evidence ?? []).join('; ')})` });
        continue;
      }
      const steps: Step[] = [{ op: 'writeFile', path: DROP_IN, content, mode: 0o644, uid: 0, gid: 0 }];
      // systemd reads unit files on daemon-reload; without systemd running there is nothing to tell.
      if (ctx.host.live && (await ctx.host.fs.exists('/run/systemd/system'))) steps.push({ op: 'reload', argv: ['systemctl', 'daemon-reload'], why: 'systemd reads the new drop-in' });
      out.push({ remediation: ID, subject: f.subject, summary: `docker.socket drop-in: SocketMode=0660, SocketGroup=${group}`, steps });
    }
    return out;
  },
});
