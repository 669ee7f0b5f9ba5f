import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import { REF } from '../references.js';
import { configEvidence } from './config-evidence.js';
import { forEachRunner } from './runners.js';

export default defineCheck({
  meta: {
    id: 'RG-RUN-006',
    title: 'No shell executor',
    severity: 'high',
    area: 'runner',
    rationale:
      "The shell executor runs jobs directly on the host as the runner user: every job can read the other projects' checkouts and caches, the runner's own files and whatever else that user reaches, and can leave processes behind for the next job.",
    references: [REF.glShellExecutor, REF.guideDockerExecutor, REF.guideChecklistProcess],
    reads: ['runner config.toml: [[runners]] executor', 'gitlab-runner.service: User=, --user (who jobs run as)'],
    remediation: { summary: 'Use the docker executor (or an autoscaled one with one job per VM); keep shell runners for trusted projects only, on a host of their own.' },
  },
  async run(ctx) {
    const ev = await configEvidence(ctx);
    return forEachRunner(ctx, (r, facts) => {
      const evidence = [ev.runner(r, '', 'executor')];
      if (r.executor === 'shell') {
        return verdict.warn(r.subject, `executor = "shell": jobs run directly on the host as ${facts.jobUser}; use it only for trusted builds`, evidence);
      }
      return verdict.pass(r.subject, r.executor ? `executor = "${r.executor}"` : 'executor unset (not the shell executor)', evidence);
    });
  },
});
