import { expect } from 'vitest';
import { defineRemediationCases } from '../../helpers/remediation-cases.js';
import { DOCKER, editedLines, twoRunners } from './privileged.remedy.js';
import jobCleanup from '../../../remediations/runner/job-cleanup.js';

export default defineRemediationCases({
  remediation: jobCleanup,
  cases: [
    {
      name: 'no [runners.feature_flags] in the first runner: the table is added inside that runner',
      build: (t) => twoRunners(t, DOCKER),
      plan: (p) => expect(editedLines(p)).toEqual(['+\t[runners.feature_flags]', '+\t\tFF_ENABLE_JOB_CLEANUP = true']),
    },
  ],
});
