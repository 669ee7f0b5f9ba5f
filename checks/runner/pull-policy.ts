import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import { REF } from '../references.js';
import { configEvidence } from './config-evidence.js';
import { ephemeralReason } from './executors.js';
import { forEachContainerRunner, strList } from './runners.js';

const IF_NOT_PRESENT = 'if-not-present';

export default defineCheck({
  meta: {
    id: 'RG-RUN-005',
    title: 'Image pull policy is not if-not-present',
    severity: 'medium',
    area: 'runner',
    rationale:
      "With if-not-present, an image pulled once with one project's registry credentials stays on the host, and any later job of any project runs it without credentials: private images, and whatever is baked into them, leak across projects.",
    references: [REF.glPullPolicy],
    reads: ['runner config.toml: [runners.docker] / [runners.kubernetes] pull_policy (string or array), allowed_pull_policies'],
    remediation: {
      summary: 'Set pull_policy = ["always"] (or "never" with images you pre-pull) and keep if-not-present out of allowed_pull_policies on runners shared by projects with different access.',
      automated: 'RG-RUN-005',
    },
  },
  async run(ctx) {
    const ev = await configEvidence(ctx);
    return forEachContainerRunner(ctx, 'it pulls no job images', (r, table) => {
      const ephemeral = ephemeralReason(r);
      if (ephemeral) return verdict.skip(r.subject, `moot: ${ephemeral}, so no pulled image outlives the VM of the job that pulled it`);
      const t = table === 'docker' ? r.docker : r.kubernetes;
      const policies = strList(t.pull_policy).map((p) => p.trim().toLowerCase());
      const allowed = strList(t.allowed_pull_policies).map((p) => p.trim().toLowerCase());
      const evidence = [ev.runner(r, table, 'pull_policy')];
      if (t.allowed_pull_policies !== undefined) evidence.push(ev.runner(r, table, 'allowed_pull_policies'));

      const problems: string[] = [];
      if (policies.includes(IF_NOT_PRESENT)) problems.push(`pull_policy ${policies.length > 1 ? 'contains' : 'is'} if-not-present`);
      // Jobs may pick any allowed policy with image:pull_policy in .gitlab-ci.yml.
      if (allowed.includes(IF_NOT_PRESENT)) problems.push('allowed_pull_policies lets jobs choose if-not-present');
      // Without a pull_policy the runner leaves it to Kubernetes, whose default for a tagged image is IfNotPresent.
      if (table === 'kubernetes' && policies.length === 0) {
        problems.push('pull_policy is unset, so the cluster default applies: IfNotPresent for every image not tagged :latest (unless the cluster enforces AlwaysPullImages)');
      }
      if (problems.length > 0) {
        return verdict.warn(
          r.subject,
          `${problems.join('; ')}: a job can run a private image another project pulled, without that project's credentials; acceptable only on a runner dedicated to trusted projects and users`,
          evidence,
        );
      }
      const what = policies.length ? `pull_policy = ${JSON.stringify(policies)}` : 'pull_policy unset (the docker executor default, always)';
      return verdict.pass(r.subject, what, evidence);
    });
  },
});
