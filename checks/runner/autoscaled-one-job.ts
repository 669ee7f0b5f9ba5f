import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import { REF } from '../references.js';
import { privilegedSettings } from './privileged.js';
import { forEachRunner } from './runners.js';

export default defineCheck({
  meta: {
    id: 'RG-RUN-010',
    title: 'One job per autoscaled VM when privileged',
    severity: 'high',
    area: 'runner',
    rationale:
      'A privileged job can compromise its VM. When an autoscaled VM is reused, the next job, from any project, runs on a machine the previous job may own.',
    references: [REF.glDockerExecutor, REF.glPrivileged, REF.lessonEphemeral],
    reads: ['runner config.toml: executor, [runners.machine] MaxBuilds, [runners.autoscaler] max_use_count, privileged settings'],
    remediation: { summary: 'Set MaxBuilds = 1 ([runners.machine]) or max_use_count = 1 ([runners.autoscaler]) on privileged autoscaled runners.' },
  },
  run: (ctx) =>
    forEachRunner(ctx, (r) => {
      const machine = r.executor === 'docker+machine';
      if (!machine && r.executor !== 'docker-autoscaler' && r.executor !== 'instance') {
        return verdict.skip(r.subject, `not an autoscaled executor (executor "${r.executor || 'unset'}")`);
      }
      const key = machine ? '[runners.machine] MaxBuilds' : '[runners.autoscaler] max_use_count';
      const value = machine ? r.machine.MaxBuilds : r.autoscaler.max_use_count;
      const evidence = [`${key} = ${value === undefined ? '(unset)' : String(value)}`];
      const priv = privilegedSettings(r);
      if (priv.length === 0) return verdict.pass(r.subject, 'autoscaled, not privileged', evidence);
      if (value === 1) return verdict.pass(r.subject, 'privileged, but each VM takes one job', [...priv, ...evidence]);
      return verdict.fail(r.subject, `privileged jobs share autoscaled VMs (${key} is not 1)`, [...priv, ...evidence]);
    }),
});
