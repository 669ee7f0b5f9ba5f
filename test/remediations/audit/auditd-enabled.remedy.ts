import { lstatSync, readlinkSync } from 'node:fs';
import { expect } from 'vitest';
import { renderPlans } from '../../../agent/remediate/render.js';
import auditdEnabled from '../../../remediations/audit/auditd-enabled.js';
import { defineRemediationCases } from '../../helpers/remediation-cases.js';
import { debianAuditd } from '../../checks/audit/fixture.js';

const LINK = '/etc/systemd/system/multi-user.target.wants/auditd.service';

export default defineRemediationCases({
  remediation: auditdEnabled,
  cases: [
    {
      name: 'Debian 12 with auditd installed but not enabled: the multi-user.target.wants link (and its dirs) appear, rollback removes them',
      build: (t) => debianAuditd(t, { enabled: false }),
      plan: async (p, host) => {
        expect(p.plans.map((x) => x.steps)).toEqual([[{ op: 'serviceEnable', unit: 'auditd.service', wantedBy: 'multi-user.target' }]]);
        expect(await renderPlans(host, [p])).toContain(
          [
            '  auditd: enable auditd.service at boot (a multi-user.target.wants link)',
            '',
            `    enable auditd.service at boot: link ${LINK}`,
          ].join('\n'),
        );
      },
      applied: (t) => {
        expect(lstatSync(t.p(LINK)).isSymbolicLink()).toBe(true);
        expect(readlinkSync(t.p(LINK))).toBe('/usr/lib/systemd/system/auditd.service');
      },
    },
    {
      name: 'an existing multi-user.target.wants dir (other services enabled) stays; only our link goes on rollback',
      build: async (t) => {
        await debianAuditd(t, { enabled: false });
        await t.symlink('/etc/systemd/system/multi-user.target.wants/cron.service', '/lib/systemd/system/cron.service');
      },
    },
  ],
});
