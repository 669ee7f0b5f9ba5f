import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import { gitlabConfigLines } from '../../agent/facts/gitlab-config-lines.js';
import { REF } from '../references.js';
import { envEntry, envEvidence } from './environment.js';
import { ephemeralReason } from './executors.js';
import { forEachRunner } from './runners.js';

export default defineCheck({
  meta: {
    id: 'RG-RUN-008',
    title: 'No shared git working copies',
    severity: 'medium',
    area: 'runner',
    rationale:
      "GIT_STRATEGY=fetch reuses the working copy the previous job left: a job can plant hooks or files that run in another user's pipeline, and the next job inherits whatever the last one checked out.",
    references: [REF.glGitFetch, REF.guideChecklistProcess],
    reads: ['runner config.toml: [[runners]] environment (GIT_STRATEGY=...)'],
    remediation: { summary: 'Drop GIT_STRATEGY=fetch from the runner environment (use clone), or dedicate the runner to users who all trust each other.' },
  },
  async run(ctx) {
    const lines = await ctx.facts.get(gitlabConfigLines);
    return forEachRunner(ctx, (r) => {
      const ephemeral = ephemeralReason(r);
      if (ephemeral) return verdict.skip(r.subject, `moot: ${ephemeral}; no working copy outlives its job`);
      const strategy = envEntry(r, 'GIT_STRATEGY');
      if (strategy?.value === 'fetch') {
        return verdict.warn(
          r.subject,
          'GIT_STRATEGY=fetch in the runner environment reuses working copies across jobs; use it only when every user of the runner trusts the others',
          [envEvidence(lines, r, strategy)],
        );
      }
      if (strategy) return verdict.pass(r.subject, `the runner environment sets GIT_STRATEGY=${strategy.value}`, [envEvidence(lines, r, strategy)]);
      return verdict.pass(r.subject, 'the runner environment does not set GIT_STRATEGY=fetch');
    });
  },
});
