import { loadUnit, unitValues } from '../../agent/facts/systemd.js';
import { defineRemediation } from '../../agent/remediate/types.js';
import { auditdBinary } from '../../checks/audit/audit-rules.js';

const ID = 'RG-AUDIT-001';
const UNIT = 'auditd.service';

export default defineRemediation({
  meta: {
    id: ID,
    title: 'Enable and start auditd',
    impact:
      'auditd starts now and at every boot: it writes /var/log/audit/audit.log (rotated by auditd.conf) and, when its disk fills, acts as auditd.conf says (Debian: suspend logging); the rules in /etc/audit/rules.d are loaded into the kernel, replacing rules added at runtime with auditctl',
    restartsService: true,
    touches: [{ op: 'serviceEnable', unit: /^auditd\.service$/ }],
  },
  async plan(ctx, findings) {
    const { fs } = ctx.host;
    const subject = findings[0]?.subject ?? 'auditd';
    const refuse = (reason: string) => [{ remediation: ID, subject, reason }];
    const binary = await auditdBinary(fs);
    if (!binary) return refuse('auditd is not installed: install the package (apt-get install auditd / dnf install audit), then run fix again');
    const local = `/etc/systemd/system/${UNIT}`;
    if ((await fs.lstat(local))?.kind === 'symlink' && (await fs.realpath(local).catch(() => '')) === '/dev/null') {
      return refuse(`${UNIT} is masked (${local} -> /dev/null): someone chose that; unmask it by hand (systemctl unmask auditd) if that no longer holds`);
    }
    const unit = await loadUnit(fs, UNIT).catch(() => null);
    if (!unit) return refuse(`no ${UNIT} (a sysvinit host): enable /etc/init.d/auditd by hand (update-rc.d auditd enable)`);
    if (ctx.host.live) {
      const cmdline = await fs.readText('/proc/cmdline', { maxBytes: 64 * 1024 }).catch(() => '');
      const off = /(^|\s)(audit=(0|off))(\s|$)/.exec(cmdline);
      // The unit has ConditionKernelCommandLine=!audit=0: systemd would skip it.
      if (off) return refuse(`the kernel was booted with ${off[2]}: auditd cannot run until that is removed from the boot command line and the host rebooted`);
      if (!(await fs.exists('/run/systemd/system'))) return refuse(`systemd is not running here (no /run/systemd/system): start ${binary} by your init system's means`);
    }
    const wantedBy = unitValues(unit, 'Install', 'WantedBy')[0]?.split(/\s+/)[0] ?? 'multi-user.target';
    return [
      {
        remediation: ID,
        subject,
        summary: ctx.host.live ? `systemctl enable --now ${UNIT}` : `enable ${UNIT} at boot (a ${wantedBy}.wants link)`,
        steps: [{ op: 'serviceEnable', unit: UNIT, wantedBy }],
      },
    ];
  },
});
