import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import type { RunnerEntry } from '../../agent/facts/gitlab.js';
import { REF } from '../references.js';
import { configEvidence, type SettingEvidence } from './config-evidence.js';
import { privilegedSettings } from './privileged.js';
import { forEachRunner } from './runners.js';

/** Where each autoscaling executor caps the jobs one VM takes. */
function jobsPerVm(r: RunnerEntry): { table: 'machine' | 'autoscaler'; key: string; value: unknown } | null {
  if (r.executor === 'docker+machine') return { table: 'machine', key: 'MaxBuilds', value: r.machine.MaxBuilds };
  if (r.executor === 'docker-autoscaler' || r.executor === 'instance') return { table: 'autoscaler', key: 'max_use_count', value: r.autoscaler.max_use_count };
  return null;
}

/** privilegedSettings() lines, located in the file. */
function privilegedEvidence(r: RunnerEntry, ev: SettingEvidence): string[] {
  return privilegedSettings(r).map((line) => {
    const m = /^\[runners\.(\w+)\] (\w+) =/.exec(line);
    return m ? ev.runner(r, m[1]!, m[2]!) : line;
  });
}

export default defineCheck({
  meta: {
    id: 'RG-RUN-010',
    title: 'One job per autoscaled VM when privileged',
    severity: 'high',
    area: 'runner',
    rationale:
      'A privileged job is root on its VM. When an autoscaled VM is reused, the next job, from any project, runs on a machine the previous job may have backdoored, and its secrets go with it. One job per VM makes the VM, not the container, the isolation boundary.',
    references: [REF.glDockerExecutor, REF.glPrivileged, REF.lessonEphemeral, REF.glAutoscalerConfig],
    reads: ['runner config.toml: executor, [runners.machine] MaxBuilds, [runners.autoscaler] max_use_count, [runners.docker] privileged, services_privileged'],
    remediation: {
      summary:
        'Set MaxBuilds = 1 in [runners.machine] (docker+machine) or max_use_count = 1 in [runners.autoscaler] (docker-autoscaler, instance) on every runner whose jobs run privileged, or stop running them privileged.',
    },
  },
  async run(ctx) {
    const ev = await configEvidence(ctx);
    return forEachRunner(ctx, (r) => {
      const cap = jobsPerVm(r);
      if (!cap) return verdict.skip(r.subject, `not an autoscaled executor (executor ${r.executor ? `"${r.executor}"` : 'unset'})`);
      const capLine = ev.runner(r, cap.table, cap.key);
      const priv = privilegedEvidence(r, ev);
      if (priv.length === 0) return verdict.pass(r.subject, `autoscaled (${r.executor}) and jobs are not privileged`, [capLine]);
      if (cap.value === 1) return verdict.pass(r.subject, `privileged jobs, but each ${r.executor} VM takes one job and is then removed`, [...priv, capLine]);
      const reuse = cap.value === undefined ? 'unset, so VMs are reused' : cap.value === 0 ? '0, unlimited reuse' : `${String(cap.value)}, not 1`;
      return verdict.fail(r.subject, `privileged jobs share autoscaled VMs: ${cap.key} is ${reuse}; a job can leave a root backdoor for the next one`, [...priv, capLine]);
    });
  },
});
