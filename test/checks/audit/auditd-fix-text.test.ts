/**
 * The fix a finding prints matches the host's state: a host with auditd
 * installed is told to enable it, never to install it again; a host without
 * it is told to install it. Real fixture roots through the real engine and
 * the text reporter.
 */
import { describe, expect, it } from 'vitest';
import { formatReport } from '../../../agent/report/index.js';
import { defaultConfig } from '../../../agent/config/schema.js';
import { runAudit } from '../../../agent/engine/run-checks.js';
import { createHost } from '../../../agent/host/index.js';
import check from '../../../checks/audit/auditd-enabled.js';
import { FixtureTree } from '../../helpers/fixture-tree.js';
import { debianAuditd, debianBase } from './fixture.js';

async function audit(build: (t: FixtureTree) => Promise<void>) {
  const t = await FixtureTree.create();
  try {
    await build(t);
    const report = await runAudit({ host: createHost({ root: t.root }), config: defaultConfig(), checks: [check] });
    return { finding: report.findings[0]!, text: formatReport(report, 'text', { color: false, width: 200 }) };
  } finally {
    await t.remove();
  }
}

describe('RG-AUDIT-001 fix text follows the state', () => {
  it('auditd installed but not enabled: enable it, not "Install auditd"', async () => {
    const { finding, text } = await audit((t) => debianAuditd(t, { enabled: false }));
    expect(finding.status).toBe('fail');
    expect(finding.remediation.summary).toMatch(/^auditd is installed: enable and start it \(systemctl enable --now auditd\)/);
    expect(finding.remediation.summary).not.toMatch(/install auditd|apt-get install/i);
    expect(text).toContain('fix: auditd is installed: enable and start it');
    expect(text).not.toMatch(/Install auditd/);
  });

  it('auditd installed but masked: unmask, then enable', async () => {
    const { finding } = await audit(async (t) => {
      await debianAuditd(t);
      await t.symlink('/etc/systemd/system/auditd.service', '/dev/null');
    });
    expect(finding.status).toBe('fail');
    expect(finding.remediation.summary).toMatch(/^auditd is installed but masked: systemctl unmask auditd/);
  });

  it('auditd not installed: install it (and then enable it)', async () => {
    const { finding, text } = await audit((t) => debianBase(t));
    expect(finding.status).toBe('fail');
    expect(finding.remediation.summary).toMatch(/^Install auditd \(apt-get install auditd \/ dnf install audit\), then run systemctl enable --now auditd/);
    expect(text).toContain('fix: Install auditd');
  });

  it('a pass carries no fix text', async () => {
    const { finding } = await audit((t) => debianAuditd(t));
    expect(finding.status).toBe('pass');
    expect(finding.remediation.summary).toBe('');
  });
});
