import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { renderPlans } from '../../../agent/remediate/render.js';
import dockerGroup from '../../../remediations/docker/docker-group.js';
import { defineRemediationCases } from '../../helpers/remediation-cases.js';
import { gitlabRunnerUnit } from '../../helpers/fixture-tree.js';
import { dockerHost, gitlabRunner } from '../../checks/docker/fixture.js';

const GROUP = 'root:x:0:\nadm:x:4:syslog,alice\ndocker:x:999:alice,gitlab-runner\ngitlab-runner:x:998:\nalice:x:1001:\n';
const GSHADOW = 'root:*::\nadm:*::syslog,alice\ndocker:!:alice:alice,gitlab-runner\ngitlab-runner:!::\nalice:!::\n';

export default defineRemediationCases({
  remediation: dockerGroup,
  cases: [
    {
      name: 'shell executor, runner user in docker (made by useradd/usermod, backups present): gpasswd --delete',
      build: async (t) => {
        await dockerHost(t);
        await gitlabRunner(t, 'shell');
        await t.addToGroup('gitlab-runner', 'docker');
      },
      plan: async (p, host) => {
        expect(p.refusals).toEqual([]);
        expect(await renderPlans(host, [p])).toBe(
          [
            'RG-DOCKER-001: Remove the runner user(s) from group docker',
            `  impact: ${dockerGroup.meta.impact}`,
            '  restarts a service: no',
            '',
            '  user:gitlab-runner: remove gitlab-runner (GitLab Runner job user) from group docker',
            '',
            '    gpasswd --delete gitlab-runner docker',
            '',
          ].join('\n'),
        );
      },
      applied: (t) => {
        expect(readFileSync(t.p('/etc/group'), 'utf8')).toMatch(/^docker:x:999:$/m);
        expect(readFileSync(t.p('/etc/gshadow'), 'utf8')).toMatch(/^docker:!::$/m);
      },
    },
    {
      name: 'hand-written group files, no backups or lock file: only the docker lines change, and rollback removes what gpasswd created',
      build: async (t) => {
        await dockerHost(t);
        await t.file('/etc/passwd', 'root:x:0:0::/root:/bin/sh\ngitlab-runner:x:998:998::/home/gitlab-runner:/bin/sh\nalice:x:0:1001::/home/alice:/bin/sh\n');
        await t.file('/etc/group', GROUP);
        await t.file('/etc/gshadow', GSHADOW, { mode: 0o640 });
        await t.unit('gitlab-runner.service', gitlabRunnerUnit({ config: '/etc/gitlab-runner/config.toml', userArg: 'gitlab-runner' }));
        await t.file('/etc/gitlab-runner/config.toml', '[[runners]]\n  name = "deploy"\n  executor = "shell"\n', { mode: 0o600 });
      },
      plan: (p) => {
        // alice has uid 0: root-equivalent already, not a finding.
        expect(p.findings.map((f) => `${f.subject} ${f.status}`)).toEqual(['user:gitlab-runner fail']);
        expect(p.plans.map((x) => x.steps)).toEqual([[{ op: 'groupRemove', user: 'gitlab-runner', group: 'docker' }]]);
      },
      applied: (t) => {
        expect(readFileSync(t.p('/etc/group'), 'utf8')).toBe(GROUP.replace('docker:x:999:alice,gitlab-runner', 'docker:x:999:alice'));
        expect(readFileSync(t.p('/etc/gshadow'), 'utf8')).toBe(GSHADOW.replace('docker:!:alice:alice,gitlab-runner', 'docker:!:alice:alice'));
      },
    },
  ],
});
