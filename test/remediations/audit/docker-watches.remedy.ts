import { readdirSync, readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { renderPlans } from '../../../agent/remediate/render.js';
import dockerWatches, { RULES_FILE } from '../../../remediations/audit/docker-watches.js';
import { defineRemediationCases } from '../../helpers/remediation-cases.js';
import { CIS_DOCKER_RULES, debianAuditd, dockerCeAndRunner, DEBIAN_DEFAULT_RULES } from '../../checks/audit/fixture.js';

const HEADER = [
  '## Written by runnerguard (RG-AUDIT-002): audit watches for Docker and runner files.',
  '## Every rule carries the key runnerguard; `runnerguard rollback` removes this file and these rules.',
];

export default defineRemediationCases({
  remediation: dockerWatches,
  cases: [
    {
      name: "Docker and a runner with Debian's default rules: one watch per missing path (/etc/docker covers daemon.json), other rules files untouched",
      build: async (t) => {
        await debianAuditd(t);
        await dockerCeAndRunner(t);
      },
      plan: async (p, host) => {
        expect(p.refusals).toEqual([]);
        const text = await renderPlans(host, [p]);
        expect(text).toContain(
          [
            '  audit-rules: watch /usr/bin/dockerd, /usr/bin/containerd, /var/lib/docker, /etc/docker, /lib/systemd/system/docker.service, /lib/systemd/system/docker.socket, /etc/default/docker, /etc/gitlab-runner (key runnerguard)',
            '',
            `    write ${RULES_FILE} (0640 0:0)`,
            '    --- /dev/null',
            `    +++ ${RULES_FILE}`,
            '    @@ -0,0 +1,10 @@',
            ...HEADER.map((l) => `    +${l}`),
            '    +-w /usr/bin/dockerd -p wa -k runnerguard',
            '    +-w /usr/bin/containerd -p wa -k runnerguard',
            '    +-w /var/lib/docker -p wa -k runnerguard',
            '    +-w /etc/docker -p wa -k runnerguard',
            '    +-w /lib/systemd/system/docker.service -p wa -k runnerguard',
            '    +-w /lib/systemd/system/docker.socket -p wa -k runnerguard',
            '    +-w /etc/default/docker -p wa -k runnerguard',
            '    +-w /etc/gitlab-runner -p wa -k runnerguard',
          ].join('\n'),
        );
        // Offline: nothing is loaded.
        expect(text).not.toContain('run: augenrules');
      },
      applied: (t) => {
        expect(readdirSync(t.p('/etc/audit/rules.d')).sort()).toEqual(['audit.rules', 'runnerguard.rules']);
        expect(readFileSync(t.p('/etc/audit/rules.d/audit.rules'), 'utf8')).toBe(DEBIAN_DEFAULT_RULES);
      },
    },
    {
      name: 'CIS rules with two watches taken away by a later file (-W, -D -k): exactly those two come back, in a file that sorts after it',
      build: async (t) => {
        await debianAuditd(t);
        await dockerCeAndRunner(t);
        await t.file('/etc/audit/rules.d/50-docker.rules', CIS_DOCKER_RULES, { mode: 0o640 });
        await t.file('/etc/audit/rules.d/90-local.rules', '# noisy on this host\n-W /var/lib/docker\n-D -k gitlab-runner\n', { mode: 0o640 });
      },
      plan: (p) => {
        expect(p.plans.map((x) => x.steps)).toEqual([
          [{ op: 'writeFile', path: RULES_FILE, mode: 0o640, uid: 0, gid: 0, content: [...HEADER, '-w /var/lib/docker -p wa -k runnerguard', '-w /etc/gitlab-runner -p wa -k runnerguard', ''].join('\n') }],
        ]);
      },
    },
  ],
});
