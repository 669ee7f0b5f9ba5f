import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import { REF } from '../references.js';
import { forEachRunner } from './runners.js';

export default defineCheck({
  meta: {
    id: 'RG-RUN-006',
    title: 'No shell executor',
    severity: 'high',
    area: 'runner',
    rationale:
      'The shell executor runs jobs directly on the host as the runner user: every job can read the other projects\' checkouts, the runner\'s files and whatever that user can reach.',
    references: [REF.glShellExecutor, REF.lessonEphemeral],
    reads: ['runner config.toml: [[runners]] executor'],
    remediation: { summary: 'Use the docker (or an autoscaled/VM) executor; keep shell runners for trusted projects only, on their own host.' },
  },
  run: (ctx) =>
    forEachRunner(ctx, (r) => {
      if (r.executor === 'shell') return verdict.warn(r.subject, 'executor = "shell": jobs run directly on the host as the runner user; use it only for trusted builds', ['executor = "shell"']);
      return verdict.pass(r.subject, `executor = "${r.executor || '(unset)'}"`);
    }),
});
