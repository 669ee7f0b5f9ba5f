import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import type { CheckContext, FindingDraft } from '../../agent/engine/types.js';
import { dockerFacts } from '../../agent/facts/docker.js';
import { runnerDirsFact, type RunnerDirKind } from '../../agent/facts/runner-dirs.js';
import { unknownDirs } from '../build/dirs-known.js';
import { REF } from '../references.js';
import { LSBLK_COLUMNS, MOUNTINFO, readLiveLayout } from './live-layout.js';
import { CRYPTTAB, FSTAB, offlineLayout } from './offline-layout.js';
import { LayoutError, judgeLayout, type DataPath, type Layout } from './storage.js';

const ROLE: Record<RunnerDirKind, string> = {
  builds: 'builds dir',
  cache: 'cache dir',
  'actions-work': 'Actions work folder',
  'jenkins-work': 'Jenkins agent work dir',
  'docker-volume': 'Docker volume dir',
};

/** The paths whose contents (checkouts, caches, images, secrets in layers) must not sit on a plain disk. */
export async function dataPaths(ctx: CheckContext): Promise<DataPath[]> {
  const paths: DataPath[] = [{ path: '/', role: 'the root filesystem' }];
  for (const d of await ctx.facts.get(runnerDirsFact)) paths.push({ path: d.path, role: `${ROLE[d.kind]} of ${d.owner}` });
  const docker = await ctx.facts.get(dockerFacts);
  if (docker.installed) paths.push({ path: docker.dataRoot, role: 'Docker data-root' });
  return paths;
}

export default defineCheck({
  meta: {
    id: 'RG-DISK-001',
    title: 'Runner data on encrypted disks',
    severity: 'medium',
    area: 'disk',
    rationale:
      'Build dirs, caches and Docker layers hold source code, dependency caches and secrets that jobs wrote to disk. On an unencrypted disk they survive in snapshots, discarded volumes and returned hardware, readable by anyone who gets the block device.',
    references: [REF.guideChecklistHost, REF.glSecureHost],
    reads: [
      `lsblk -J -o ${LSBLK_COLUMNS} (live)`,
      '/sys/block/dm-*/dm/uuid (live)',
      `${MOUNTINFO} (live)`,
      `${FSTAB}, ${CRYPTTAB}, /etc/lvm/backup/<vg> (offline)`,
      'runner builds/cache dirs, /etc/docker/daemon.json data-root',
    ],
    remediation: {
      summary:
        'Keep /, the builds/cache dirs and the Docker data-root on dm-crypt/LUKS (LVM on LUKS at install time, or a LUKS volume in /etc/crypttab mounted over the data dirs). Volume encryption done by a cloud provider is invisible to the host: waive the finding with that reason.',
    },
  },
  async run(ctx) {
    const out: FindingDraft[] = await unknownDirs(ctx);
    let layout: Layout | null;
    try {
      layout = ctx.host.live ? await readLiveLayout(ctx.host) : await offlineLayout(ctx.host.fs);
    } catch (err) {
      if (err instanceof LayoutError) return [...out, verdict.error(err.subject, err.message, err.evidence)];
      throw err;
    }
    if (layout === null) {
      return [...out, verdict.skip(FSTAB, `no ${FSTAB} entries in this root (a container image?): its mounts are not persisted in files; audit the host it runs on`)];
    }
    out.push(...layout.problems);
    if (layout.mounts.length === 0) return out;
    out.push(...(await judgeLayout(await dataPaths(ctx), layout, ctx.host.fs)));
    return out;
  },
});
