import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import { gitlabConfigLines } from '../../agent/facts/gitlab-config-lines.js';
import { REF } from '../references.js';
import { settingEvidence } from './config-evidence.js';
import { envEntry, envEvidence, parseGoBool } from './environment.js';
import { ephemeralReason } from './executors.js';
import { forEachRunner } from './runners.js';

const FLAG = 'FF_ENABLE_JOB_CLEANUP';
// Runners whose builds dir lives on, on the same host, from one job to the next.
const STATIC = new Set(['shell', 'docker', 'docker-windows']);

export default defineCheck({
  meta: {
    id: 'RG-RUN-007',
    title: 'Build dirs cleaned after each job',
    severity: 'medium',
    area: 'runner',
    rationale:
      "Without job cleanup a static runner keeps every checkout, .git and untracked build output included, for the next job of any project to read or tamper with.",
    references: [REF.glJobCleanup, REF.guideChecklistProcess, REF.lessonEphemeral],
    reads: [`runner config.toml: [runners.feature_flags] ${FLAG}, [[runners]] environment (${FLAG}=...), executor`],
    remediation: { summary: `Set ${FLAG} = true under [runners.feature_flags] of every static shell/docker runner.`, automated: 'RG-RUN-007' },
  },
  async run(ctx) {
    const lines = await ctx.facts.get(gitlabConfigLines);
    const ev = settingEvidence(lines);
    return forEachRunner(ctx, (r) => {
      const ephemeral = ephemeralReason(r);
      if (ephemeral) return verdict.skip(r.subject, `moot: ${ephemeral}; the build dir goes with the VM`);
      if (!STATIC.has(r.executor)) {
        const why = r.executor === 'kubernetes' ? 'each job gets a new pod and build volume' : 'the build dir does not stay on a static host';
        return verdict.skip(r.subject, `not a static shell/docker runner (executor ${r.executor ? `"${r.executor}"` : 'unset'}): ${why}`);
      }
      // A [runners.feature_flags] value wins over the environment, as in the runner.
      const table = r.featureFlags[FLAG];
      const env = envEntry(r, FLAG);
      const evidence = [ev.runner(r, 'feature_flags', FLAG)];
      if (env) evidence.push(envEvidence(lines, r, env));
      if (typeof table === 'boolean') {
        if (table) return verdict.pass(r.subject, `job cleanup enabled in [runners.feature_flags]`, evidence);
        const overridden = env && parseGoBool(env.value) === true ? ` (it overrides ${FLAG}=${env.value} in environment)` : '';
        return verdict.warn(r.subject, `static ${r.executor} runner with ${FLAG} = false in [runners.feature_flags]${overridden}: checkouts stay on the host after each job`, evidence);
      }
      if (env && parseGoBool(env.value) === true) return verdict.pass(r.subject, 'job cleanup enabled in the runner environment', evidence);
      const why = env ? `${FLAG}=${env.value} in environment does not enable it` : `${FLAG} is not set`;
      return verdict.warn(r.subject, `static ${r.executor} runner, ${why}: checkouts stay on the host after each job`, evidence);
    });
  },
});
