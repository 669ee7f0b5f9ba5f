import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import { REF } from '../references.js';
import { forEachRunner, isEphemeral, strList } from './runners.js';
import { runsContainers } from './volumes.js';

export default defineCheck({
  meta: {
    id: 'RG-RUN-005',
    title: 'Image pull policy is not if-not-present',
    severity: 'medium',
    area: 'runner',
    rationale:
      'With if-not-present, an image pulled once with one project\'s registry credentials stays on the host, and any later job from any project can run it without credentials: private images leak across projects.',
    references: [REF.glPullPolicy, REF.guideDockerExecutor],
    reads: ['runner config.toml: [runners.docker] / [runners.kubernetes] pull_policy (string or array)'],
    remediation: { summary: 'Set pull_policy = ["always"] (or "never" with images you pre-pull) on runners shared by projects with different access.', automated: 'RG-RUN-005' },
  },
  run: (ctx) =>
    forEachRunner(ctx, (r) => {
      if (!runsContainers(r)) return verdict.skip(r.subject, `the ${r.executor || 'unset'} executor pulls no images`);
      if (isEphemeral(r)) return verdict.skip(r.subject, 'moot: one job per autoscaled VM (MaxBuilds = 1), no image outlives the job');
      const policies = [...strList(r.docker.pull_policy), ...strList(r.kubernetes.pull_policy)];
      if (policies.includes('if-not-present')) {
        return verdict.warn(r.subject, 'pull_policy includes if-not-present: acceptable only on a runner dedicated to trusted projects and users', [`pull_policy = ${JSON.stringify(policies)}`]);
      }
      return verdict.pass(r.subject, policies.length ? `pull_policy = ${JSON.stringify(policies)}` : 'pull_policy unset (the default, always)');
    }),
});
