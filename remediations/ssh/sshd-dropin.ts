import { sshdFact, SSHD_BINARY } from '../../agent/facts/sshd.js';
import { parseSshdConfig, SSHD_CONFIG } from '../../agent/facts/sshd-config.js';
import { loadUnit } from '../../agent/facts/systemd.js';
import type { Host } from '../../agent/host/index.js';
import { checkWith, overlayFs } from '../../agent/remediate/overlay-fs.js';
import { defineRemediation, type Step } from '../../agent/remediate/types.js';
import check from '../../checks/ssh/sshd-logins.js';

const ID = 'RG-SSH-003';
export const DROP_IN = '/etc/ssh/sshd_config.d/00-runnerguard.conf';

export function dropInText(settings: string[]): string {
  return [
    '# Written by runnerguard (RG-SSH-003): no root logins, no password logins.',
    '# sshd keeps the first value it reads, so this file sorts first in sshd_config.d.',
    '# `runnerguard rollback` removes it.',
    ...settings,
    '',
  ].join('\n');
}

/** How to make a running sshd read its config again; none when it is not running. */
async function reloadStep(host: Host): Promise<Step | undefined> {
  if (await host.fs.exists('/run/systemd/system')) {
    // Debian/Ubuntu call the unit ssh.service, Fedora/RHEL/Arch sshd.service.
    for (const unit of ['ssh.service', 'sshd.service']) {
      if (!(await loadUnit(host.fs, unit).catch(() => null))) continue;
      const r = await host.exec(['systemctl', 'is-active', unit], { timeoutMs: 10_000 });
      return r.stdout.trim() === 'active' ? { op: 'reload', argv: ['systemctl', 'reload', unit], why: 'sshd reads the drop-in; open sessions stay' } : undefined;
    }
    return undefined;
  }
  // No systemd (a container, sysvinit): the listener's pid file, if that process is sshd.
  const pid = (await host.fs.readText('/run/sshd.pid', { maxBytes: 64 }).catch(() => '')).trim();
  if (!/^\d+$/.test(pid)) return undefined;
  const comm = (await host.fs.readText(`/proc/${pid}/comm`, { maxBytes: 64 }).catch(() => '')).trim();
  return comm === 'sshd' ? { op: 'reload', argv: ['kill', '-HUP', pid], why: 'sshd re-executes itself with the new config on SIGHUP; open sessions stay' } : undefined;
}

export default defineRemediation({
  meta: {
    id: ID,
    title: 'sshd drop-in forbidding root and password logins, accepted only if sshd -t accepts the result',
    impact:
      'new SSH logins as root, and logins with a password (any account), are refused: make sure an administrator can log in with a key as a personal account (then sudo) before applying; open sessions stay',
    restartsService: true,
    touches: [{ op: 'writeFile', path: /^\/etc\/ssh\/sshd_config\.d\/00-runnerguard\.conf$/ }, { op: 'validate', argv: /^\S*sshd -t -f \S+$/ }, { op: 'reload', argv: /^(systemctl reload [\w@.-]+|kill -HUP \d+)$/ }],
  },
  async plan(ctx, findings) {
    const subject = findings[0]?.subject ?? SSHD_CONFIG;
    const refuse = (reason: string) => [{ remediation: ID, subject, reason }];
    if (!(await ctx.host.fs.exists(SSHD_BINARY))) return refuse(`sshd is not installed (no ${SSHD_BINARY}): a drop-in cannot be checked with sshd -t`);
    const s = await ctx.facts.get(sshdFact);
    const settings: string[] = [];
    if (s.settings.permitrootlogin.value[0] !== 'no') settings.push('PermitRootLogin no');
    if (s.settings.passwordauthentication.value[0] !== 'no') settings.push('PasswordAuthentication no');
    if (settings.length === 0) return [];
    const content = dropInText(settings);
    // sshd keeps the first value: the drop-in wins only if sshd_config Includes sshd_config.d before setting these itself.
    const [after] = await checkWith(ctx, check, { [DROP_IN]: content });
    if (after?.status !== 'pass') {
      const read = (await parseSshdConfig(overlayFs(ctx.host.fs, { [DROP_IN]: content }), await ctx.host.users())).files.includes(DROP_IN);
      const why = read ? 'another setting wins (sshd keeps the first value it reads; a Match block for every connection overrides it)' : `${SSHD_CONFIG} does not Include /etc/ssh/sshd_config.d/*.conf`;
      return refuse(`${DROP_IN} would not take effect: ${why} (${(after?.evidence ?? []).join('; ')}); set the values in ${SSHD_CONFIG} by hand`);
    }
    const live = ctx.host.live;
    if (live && !(await ctx.host.fs.exists('/run/sshd'))) {
      return refuse('sshd -t needs its privilege separation directory /run/sshd, made when sshd starts: without it the drop-in cannot be validated');
    }
    const steps: Step[] = [
      { op: 'writeFile', path: DROP_IN, content, mode: 0o644, uid: 0, gid: 0 },
      {
        op: 'validate',
        argv: [SSHD_BINARY, '-t', '-f', SSHD_CONFIG],
        why: live
          ? 'sshd must accept the whole config with the drop-in'
          : `not run on an offline root: ${SSHD_CONFIG} Includes and loads host keys by this machine's absolute paths; run sshd -t on the host before it serves with this config`,
      },
    ];
    const reload = live ? await reloadStep(ctx.host) : undefined;
    if (reload) steps.push(reload);
    return [{ remediation: ID, subject, summary: `drop-in ${DROP_IN}: ${settings.join(', ')}${live && !reload ? ' (sshd is not running: it reads the drop-in when it starts)' : ''}`, steps }];
  },
});
