import { expect } from 'vitest';
import { defineRemediationCases } from '../../helpers/remediation-cases.js';
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
  ],
});
