import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import { REF } from '../references.js';
import { forEachRunner, isEphemeral } from './runners.js';

export default defineCheck({
  meta: {
    id: 'RG-RUN-008',
    title: 'No shared git working copies',
    severity: 'medium',
    area: 'runner',
    rationale:
      'GIT_STRATEGY=fetch reuses the working copy a previous job left: a job can plant code that runs in another user\'s pipeline, and submodule contents stay readable in the reflog.',
    references: [REF.glGitFetch],
    reads: ['runner config.toml: [[runners]] environment'],
    remediation: { summary: 'Drop GIT_STRATEGY=fetch from the runner environment (use clone), or dedicate the runner to users who all trust each other.' },
  },
  run: (ctx) =>
    forEachRunner(ctx, (r) => {
      if (isEphemeral(r)) return verdict.skip(r.subject, 'moot: one job per autoscaled VM (MaxBuilds = 1), nothing is shared');
      const hit = r.environment.find((e) => /^GIT_STRATEGY=fetch$/i.test(e.trim()));
      if (hit) return verdict.warn(r.subject, 'GIT_STRATEGY=fetch reuses working copies across jobs; use it only when every user of the runner trusts the others', [`environment: "${hit}"`]);
      return verdict.pass(r.subject, 'no GIT_STRATEGY=fetch in the runner environment');
    }),
});
