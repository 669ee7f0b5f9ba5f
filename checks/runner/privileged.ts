import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import type { RunnerEntry } from '../../agent/facts/gitlab.js';
import { cisDocker, REF } from '../references.js';
import { configEvidence } from './config-evidence.js';
import { containerTable, noContainersReason, type ContainerTable } from './executors.js';
import { forEachRunner, strList } from './runners.js';

interface Privilege {
  table: ContainerTable;
  job: boolean;
  services: boolean;
  /** services_privileged is unset, so services follow privileged. */
  inherited: boolean;
  /** Only [runners.docker] has these allow-lists; the kubernetes executor makes every container privileged. */
  images: string[];
  serviceImages: string[];
}

function privilege(r: RunnerEntry): Privilege | null {
  const table = containerTable(r);
  if (!table) return null;
  const t = table === 'docker' ? r.docker : r.kubernetes;
  const job = t.privileged === true;
  const inherited = typeof t.services_privileged !== 'boolean';
  return {
    table,
    job,
    services: inherited ? job : t.services_privileged === true,
    inherited,
    images: table === 'docker' ? strList(t.allowed_privileged_images) : [],
    serviceImages: table === 'docker' ? strList(t.allowed_privileged_services) : [],
  };
}

/** `privileged` / `services_privileged` set true in the executor's table, as "[runners.<table>] <key> = true" lines. */
export function privilegedSettings(r: RunnerEntry): string[] {
  const p = privilege(r);
  if (!p) return [];
  const out: string[] = [];
  if (p.job) out.push(`[runners.${p.table}] privileged = true`);
  if (p.services && !p.inherited) out.push(`[runners.${p.table}] services_privileged = true`);
  return out;
}

export default defineCheck({
  meta: {
    id: 'RG-RUN-003',
    title: 'No privileged job containers',
    severity: 'critical',
    area: 'runner',
    rationale:
      'A privileged container has every capability and device of the host: a job can mount the host disk, load kernel modules and escape. On a shared static runner one such job owns the host, the runner token and every other project that runs there.',
    references: [
      REF.glPrivileged,
      REF.glDockerExecutor,
      REF.guideChecklistContainer,
      REF.guideDind,
      REF.modelPrivilege,
      cisDocker('5.4', 'Ensure that privileged containers are not used'),
    ],
    reads: [
      'runner config.toml: [runners.docker] privileged, services_privileged, allowed_privileged_images, allowed_privileged_services',
      'runner config.toml: [runners.kubernetes] privileged, services_privileged',
    ],
    remediation: {
      summary:
        'Set privileged = false (and services_privileged = false); build images with Kaniko or buildah. If DinD is unavoidable, restrict it with allowed_privileged_images/allowed_privileged_services on a dedicated, ephemeral runner that only takes jobs from protected branches.',
      automated: 'RG-RUN-003',
    },
  },
  async run(ctx) {
    const ev = await configEvidence(ctx);
    return forEachRunner(ctx, (r) => {
      const p = privilege(r);
      if (!p) return verdict.skip(r.subject, `${noContainersReason(r)}: privileged does not apply`);
      const evidence = [ev.runner(r, p.table, 'privileged')];
      if (p.table === 'docker' || !p.inherited) evidence.push(ev.runner(r, p.table, 'services_privileged') + (p.inherited && p.job ? ' (services inherit privileged = true)' : ''));
      if (!p.job && !p.services) return verdict.pass(r.subject, 'job and service containers are not privileged', evidence);
      if (p.table === 'kubernetes') {
        const what = p.job ? 'privileged = true: every container of every job pod runs' : 'services_privileged = true: service containers run';
        return verdict.fail(r.subject, `${what} privileged, whatever the image (the kubernetes executor has no allow-list for it): any job can take over the node`, evidence);
      }

      const open: string[] = [];
      if (p.job && p.images.length === 0) open.push('job containers run privileged whatever their image');
      if (p.services && p.serviceImages.length === 0) {
        open.push(`service containers run privileged whatever their image${p.inherited ? ' (services_privileged is unset, so services inherit privileged = true)' : ''}`);
      }
      if (p.job) evidence.push(ev.runner(r, 'docker', 'allowed_privileged_images'));
      if (p.services) evidence.push(ev.runner(r, 'docker', 'allowed_privileged_services'));
      if (open.length > 0) return verdict.fail(r.subject, `${open.join('; ')}: any job can take over the host`, evidence);
      const lists = [p.job ? `allowed_privileged_images (${p.images.join(', ')})` : '', p.services ? `allowed_privileged_services (${p.serviceImages.join(', ')})` : '']
        .filter(Boolean)
        .join(' and ');
      return verdict.warn(
        r.subject,
        `privileged only for ${lists}: acceptable only on a protected-only runner (jobs from protected branches only), which config.toml cannot show: verify in GitLab`,
        evidence,
      );
    });
  },
});
