import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import type { RunnerEntry } from '../../agent/facts/gitlab.js';
import { cisDocker, REF } from '../references.js';
import { forEachRunner, strList } from './runners.js';
import { runsContainers } from './volumes.js';

/** `privileged` / `services_privileged` (which inherits privileged when unset) of docker or kubernetes. */
export function privilegedSettings(r: RunnerEntry): string[] {
  const out: string[] = [];
  for (const [table, t] of [['docker', r.docker], ['kubernetes', r.kubernetes]] as const) {
    const priv = t.privileged === true;
    const services = t.services_privileged === undefined ? priv : t.services_privileged === true;
    if (priv) out.push(`[runners.${table}] privileged = true`);
    if (services && t.services_privileged !== undefined) out.push(`[runners.${table}] services_privileged = true`);
  }
  return out;
}

export default defineCheck({
  meta: {
    id: 'RG-RUN-003',
    title: 'No privileged job containers',
    severity: 'critical',
    area: 'runner',
    rationale:
      'A privileged container has every capability of the host: a job can mount the host disk, load kernel modules and escape. On a shared static runner one such job owns the host and every other project on it.',
    references: [REF.glDockerExecutor, REF.glPrivileged, REF.modelPrivilege, REF.guideDind, cisDocker('5.4', 'Ensure that privileged containers are not used')],
    reads: ['runner config.toml: [runners.docker] / [runners.kubernetes] privileged, services_privileged, allowed_privileged_images'],
    remediation: {
      summary: 'Set privileged = false (and services_privileged = false); build images with Kaniko or buildah, or move DinD jobs to a dedicated, ephemeral, protected-only runner.',
      automated: 'RG-RUN-003',
    },
  },
  run: (ctx) =>
    forEachRunner(ctx, (r) => {
      if (!runsContainers(r)) return verdict.skip(r.subject, `the ${r.executor || 'unset'} executor runs no job containers`);
      const settings = privilegedSettings(r);
      if (settings.length === 0) return verdict.pass(r.subject, 'job and service containers are not privileged');
      const allowed = [...strList(r.docker.allowed_privileged_images), ...strList(r.kubernetes.allowed_privileged_images)];
      if (allowed.length > 0) {
        return verdict.warn(
          r.subject,
          `privileged only for allowed_privileged_images (${allowed.join(', ')}); acceptable only on a runner that takes jobs from protected branches, which config.toml cannot show: verify in GitLab`,
          [...settings, `allowed_privileged_images = [${allowed.map((a) => `"${a}"`).join(', ')}]`],
        );
      }
      return verdict.fail(r.subject, 'job containers run privileged: any job can take over the host', settings);
    }),
});
