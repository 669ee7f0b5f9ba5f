import { defineRemediation, TOML } from '../../agent/remediate/types.js';
import { setKey } from '../../agent/remediate/toml-edit.js';
import { planTomlEdits, runnerTable } from './toml-plan.js';

export default defineRemediation({
  meta: {
    id: 'RG-RUN-007',
    title: 'Set FF_ENABLE_JOB_CLEANUP = true under [runners.feature_flags]',
    impact: 'the build directory is removed after each job: jobs that counted on a warm checkout from the previous job fetch from scratch',
    restartsService: false,
    touches: [{ op: 'editFile', path: TOML }],
  },
  plan: (ctx, findings) =>
    planTomlEdits(ctx, findings, 'RG-RUN-007', 'FF_ENABLE_JOB_CLEANUP = true in [runners.feature_flags]', (text, r) => setKey(text, runnerTable(r, 'feature_flags'), 'FF_ENABLE_JOB_CLEANUP', 'true')),
});
