import { expect } from 'vitest';
import { defineRemediationCases } from '../../helpers/remediation-cases.js';
import { runner, runnerHost } from '../../checks/runner/fixture.js';
import { DOCKER, editedLines, twoRunners } from './privileged.remedy.js';
import pullPolicy from '../../../remediations/runner/pull-policy.js';

export default defineRemediationCases({
  remediation: pullPolicy,
  cases: [
    {
      name: 'pull_policy = "if-not-present" becomes ["always"] on its own line',
      build: (t) => twoRunners(t, DOCKER),
      plan: (p) => expect(editedLines(p)).toEqual(['-\t\tpull_policy = "if-not-present"', '+\t\tpull_policy = ["always"]']),
    },
    {
      name: 'kubernetes runner: pull_policy goes into [runners.kubernetes] (no [runners.docker] table is made)',
      build: (t) => runnerHost(t, runner('k', 'kubernetes', '\t[runners.kubernetes]\n\t\tnamespace = "ci"\n\t\tpull_policy = "if-not-present"\n')),
      plan: (p) => {
        expect(editedLines(p)).toEqual(['-\t\tpull_policy = "if-not-present"', '+\t\tpull_policy = ["always"]']);
        expect(p.plans[0]!.steps[0]).not.toHaveProperty('after', expect.stringContaining('[runners.docker]'));
      },
    },
    {
      name: 'kubernetes runner without pull_policy (cluster default IfNotPresent): set in [runners.kubernetes]',
      build: (t) => runnerHost(t, runner('k', 'kubernetes', '\t[runners.kubernetes]\n\t\tnamespace = "ci"\n')),
      plan: (p) => expect(editedLines(p)).toEqual(['+\t\tpull_policy = ["always"]']),
    },
    {
      name: 'allowed_pull_policies = ["if-not-present", "never"] (a job may pick it): if-not-present goes, always comes in with the policy',
      build: (t) => runnerHost(t, runner('d', 'docker', '\t[runners.docker]\n\t\timage = "alpine:3.20"\n\t\tpull_policy = ["always"]\n\t\tallowed_pull_policies = ["if-not-present", "never"]\n')),
      plan: (p) => expect(editedLines(p)).toEqual(['-\t\tallowed_pull_policies = ["if-not-present", "never"]', '+\t\tallowed_pull_policies = ["never", "always"]']),
    },
  ],
});
