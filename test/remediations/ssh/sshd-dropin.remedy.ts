import { readFileSync } from 'node:fs';
import { rmdir } from 'node:fs/promises';
import { expect } from 'vitest';
import { renderPlans } from '../../../agent/remediate/render.js';
import sshdDropin, { DROP_IN } from '../../../remediations/ssh/sshd-dropin.js';
import { defineRemediationCases } from '../../helpers/remediation-cases.js';
import { DEBIAN_SSHD_CONFIG, sshd } from '../../checks/ssh/fixture.js';

const OFFLINE_WHY =
  "not run on an offline root: /etc/ssh/sshd_config Includes and loads host keys by this machine's absolute paths; run sshd -t on the host before it serves with this config";

export default defineRemediationCases({
  remediation: sshdDropin,
  cases: [
    {
      name: 'Debian layout, root and passwords allowed after the Include: the drop-in sets both; validation listed, not run offline',
      build: (t) => sshd(t, `${DEBIAN_SSHD_CONFIG}PermitRootLogin yes\n`),
      plan: async (p, host) => {
        expect(p.refusals).toEqual([]);
        expect(await renderPlans(host, [p])).toBe(
          [
            'RG-SSH-003: sshd drop-in forbidding root and password logins, accepted only if sshd -t accepts the result',
            `  impact: ${sshdDropin.meta.impact}`,
            '  restarts a service: yes',
            '',
            `  /etc/ssh/sshd_config: drop-in ${DROP_IN}: PermitRootLogin no, PasswordAuthentication no`,
            '',
            `    write ${DROP_IN} (0644 0:0)`,
            '    --- /dev/null',
            `    +++ ${DROP_IN}`,
            '    @@ -0,0 +1,5 @@',
            '    +# Written by runnerguard (RG-SSH-003): no root logins, no password logins.',
            '    +# sshd keeps the first value it reads, so this file sorts first in sshd_config.d.',
            '    +# `runnerguard rollback` removes it.',
            '    +PermitRootLogin no',
            '    +PasswordAuthentication no',
            '',
            `    check: /usr/sbin/sshd -t -f /etc/ssh/sshd_config (${OFFLINE_WHY}); if it fails, this run is undone`,
            '',
          ].join('\n'),
        );
      },
      applied: (t, result) => {
        expect(readFileSync(t.p(DROP_IN), 'utf8')).toMatch(/\nPermitRootLogin no\nPasswordAuthentication no\n$/);
        expect(result.steps.map((s) => [s.step.op, s.state, s.note])).toEqual([
          ['writeFile', 'applied', undefined],
          ['validate', 'applied', 'not run on an offline root: /usr/sbin/sshd -t -f /etc/ssh/sshd_config'],
        ]);
      },
    },
    {
      name: 'root with keys only (warn), passwords off, no sshd_config.d yet: PermitRootLogin no alone; the dir goes on rollback',
      build: async (t) => {
        await sshd(t, `${DEBIAN_SSHD_CONFIG}PasswordAuthentication no\n`);
        await rmdir(t.p('/etc/ssh/sshd_config.d'));
      },
      plan: (p) => {
        expect(p.findings.map((f) => f.status)).toEqual(['warn']);
        expect(p.plans.map((x) => x.steps.map((s) => (s.op === 'writeFile' ? s.content.split('\n').filter((l) => !l.startsWith('#')) : s.op)))).toEqual([[['PermitRootLogin no', ''], 'validate']]);
      },
    },
  ],
});
