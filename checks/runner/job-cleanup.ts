import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import { REF } from '../references.js';
import { forEachRunner, isEphemeral } from './runners.js';

const STATIC = new Set(['shell', 'docker', 'docker-windows']);

export default defineCheck({
  meta: {
    id: 'RG-RUN-007',
    title: 'Build dirs cleaned after each job',
    severity: 'medium',
    area: 'runner',
    rationale:
      'Without job cleanup a static runner keeps every checkout, .git included, for the next job of any project to read.',
    references: [REF.glJobCleanup, REF.glSecureHost],
    reads: ['runner config.toml: [runners.feature_flags] FF_ENABLE_JOB_CLEANUP, [[runners]] environment'],
    remediation: { summary: 'Set FF_ENABLE_JOB_CLEANUP = true under [runners.feature_flags].', automated: 'RG-RUN-007' },
  },
  run: (ctx) =>
    forEachRunner(ctx, (r) => {
      if (isEphemeral(r)) return verdict.skip(r.subject, 'moot: one job per autoscaled VM (MaxBuilds = 1)');
      if (!STATIC.has(r.executor)) return verdict.skip(r.subject, `not a static shell/docker runner (executor "${r.executor || 'unset'}")`);
      const flag = r.featureFlags.FF_ENABLE_JOB_CLEANUP === true;
      const env = r.environment.some((e) => /^FF_ENABLE_JOB_CLEANUP=(true|1)$/i.test(e.trim()));
      if (flag || env) return verdict.pass(r.subject, `job cleanup enabled (${flag ? '[runners.feature_flags]' : 'environment'})`);
      return verdict.warn(r.subject, `static ${r.executor} runner without FF_ENABLE_JOB_CLEANUP: checkouts stay on the host after each job`);
    }),
});
