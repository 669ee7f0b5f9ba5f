import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import type { RunnerEntry } from '../../agent/facts/gitlab.js';
import { cisDocker, REF } from '../references.js';
import { configEvidence } from './config-evidence.js';
import { containerTable, noContainersReason, type ContainerTable } from './executors.js';
import { forEachRunner, strList } from './runners.js';
import { K8S_CONTEXTS, tableOf } from './capabilities.js';

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
  if (table === 'kubernetes') {
    // No services_privileged here: `privileged` is every container's, and each
    // container's security context may set its own privileged on top of it.
    const k = r.kubernetes;
    const ctx = (key: string) => tableOf(k[key]).privileged;
    const own = (key: string) => (typeof ctx(key) === 'boolean' ? ctx(key) === true : k.privileged === true);
    return { table, job: own('build_container_security_context') || own('helper_container_security_context'), services: own('service_container_security_context'), inherited: true, images: [], serviceImages: [] };
  }
  const t = r.docker;
  const job = t.privileged === true;
  const inherited = typeof t.services_privileged !== 'boolean';
  return {
    table,
    job,
    services: inherited ? job : t.services_privileged === true,
    inherited,
    images: strList(t.allowed_privileged_images),
    serviceImages: strList(t.allowed_privileged_services),
  };
}

/** `privileged` / `services_privileged` set true in the executor's table, as "[runners.<table>] <key> = true" lines. */
export function privilegedSettings(r: RunnerEntry): string[] {
  const p = privilege(r);
  if (!p) return [];
  const out: string[] = [];
  if (p.table === 'kubernetes') {
    if (r.kubernetes.privileged === true) out.push('[runners.kubernetes] privileged = true');
    for (const [key] of K8S_CONTEXTS) if (tableOf(r.kubernetes[key]).privileged === true) out.push(`[runners.kubernetes.${key}] privileged = true`);
    return out;
  }
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
      'runner config.toml: [runners.kubernetes] privileged; [runners.kubernetes.build_container_security_context], [runners.kubernetes.helper_container_security_context], [runners.kubernetes.service_container_security_context] privileged',
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
      if (p.table === 'kubernetes') evidence.push(...privilegedSettings(r).filter((l) => !l.startsWith('[runners.kubernetes] ')));
      if (p.table === 'docker') evidence.push(ev.runner(r, p.table, 'services_privileged') + (p.inherited && p.job ? ' (services inherit privileged = true)' : ''));
      if (!p.job && !p.services) return verdict.pass(r.subject, 'job and service containers are not privileged', evidence);
      if (p.table === 'kubernetes') {
        const what = p.job && p.services ? 'every container of every job pod runs' : p.job ? 'the build container of every job pod runs' : 'service containers run';
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
