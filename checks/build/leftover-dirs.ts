import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import type { FindingDraft } from '../../agent/engine/types.js';
import { activeJobsFact, jobsIn } from '../../agent/facts/active-jobs.js';
import { buildScanFact } from '../../agent/facts/build-scan.js';
import { gitlabFacts } from '../../agent/facts/gitlab.js';
import { githubFacts } from '../../agent/facts/github.js';
import { REF } from '../references.js';
import { blindSpots } from './credential-files.js';
import { unknownDirs } from './dirs-known.js';
import { isEphemeral } from '../runner/runners.js';

const DEFAULT_MAX_AGE_HOURS = 24;

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

export default defineCheck({
  meta: {
    id: 'RG-BUILD-001',
    title: 'No leftover build directories',
    severity: 'medium',
    area: 'build',
    rationale:
      'On a static runner every job leaves its checkout behind. The next job on the host, from any project, can read that code, its history and whatever the job wrote there; old checkouts are a standing copy of other projects\' source.',
    references: [REF.glJobCleanup, REF.glShellExecutor, REF.lessonEphemeral, REF.guideChecklistProcess],
    reads: ['builds and cache dirs of each runner (builds_dir, cache_dir, executor defaults), Actions _work', '/proc/*/cwd and `docker ps` (live: is a job running?)'],
    remediation: {
      summary: 'Enable FF_ENABLE_JOB_CLEANUP (GitLab) or ephemeral runners, and delete job dirs older than max_age_hours while the runner is idle.',
      automated: 'RG-BUILD-001',
    },
    options: { max_age_hours: 'integer' },
    timeoutMs: 120_000,
  },
  async run(ctx) {
    const maxAgeHours = typeof ctx.options.max_age_hours === 'number' ? ctx.options.max_age_hours : DEFAULT_MAX_AGE_HOURS;
    const [scans, active, gitlab, github] = await Promise.all([
      ctx.facts.get(buildScanFact),
      ctx.facts.get(activeJobsFact),
      ctx.facts.get(gitlabFacts),
      ctx.facts.get(githubFacts),
    ]);
    const broken = await unknownDirs(ctx);
    if (broken.length > 0 && scans.length === 0) return broken;
    if (scans.length === 0) return [verdict.skip('builds', 'no runner with builds on this host (no shell runner, no bind-mounted builds dir, no Actions runner)')];
    const ephemeralOwners = new Set<string>([
      ...(gitlab?.config.ok ? gitlab.config.runners.filter(isEphemeral).map((r) => r.subject) : []),
      ...github.filter((g) => g.ephemeralArgs || g.settings?.ephemeral === true).map((g) => g.subject),
    ]);
    const present = scans.filter((s) => s.exists);
    // Unreadable is not absent: a dir we could not look at may be full of old checkouts.
    const blocked = scans.filter((s) => s.problem).map((s) => verdict.warn(s.dir.path, `the ${s.dir.kind} dir of ${s.dir.owner} could not be scanned, leftovers in it not seen: ${s.problem}`));
    if (present.length === 0 && blocked.length === 0) {
      const where = scans.map((s) => `${s.dir.path} (${s.dir.kind} dir of ${s.dir.owner}, ${s.dir.source})`);
      return [verdict.skip('builds', `no builds dir exists yet: ${where.join('; ')}`)];
    }
    const findings: FindingDraft[] = [...broken, ...blocked];
    for (const s of present) findings.push(await judge(s));
    return findings;

    async function judge(s: (typeof present)[number]): Promise<FindingDraft> {
      const subject = s.dir.path;
      if (ephemeralOwners.has(s.dir.owner)) return verdict.skip(subject, `moot: ${s.dir.owner} is ephemeral, its host does not outlive the job`);
      const running = jobsIn(active, subject);
      if (s.dir.source.startsWith('volume for') && active.containers.length > 0) {
        return verdict.skip(subject, `job containers are running (${active.containers.slice(0, 3).join(', ')}); leftovers are judged when the runner is idle`);
      }
      if (running.length > 0) {
        return verdict.skip(subject, `a job is running in it (pid ${running.map((p) => `${p.pid} ${p.comm}`).join(', ')}); leftovers are judged when the runner is idle`);
      }
      // The scan judged "old" against the same max_age_hours (agent/facts/build-scan.ts).
      const old = s.jobs.old;
      const blind = blindSpots(s) ?? [];
      if (old.count === 0) {
        const msg = `${s.jobs.count} job dir(s), none unused for more than ${maxAgeHours} h`;
        return blind.length ? verdict.warn(subject, `${msg} among those seen; part of it was not scanned`, blind) : verdict.pass(subject, msg);
      }
      let bytes = 0;
      for (const j of old.items) bytes += await j.bytes(ctx.signal);
      const oldest = old.items[0]!;
      const ageH = Math.floor((ctx.now.getTime() - oldest.lastUsedMs) / 3600_000);
      // Only the oldest ones are kept (and sized, and removed by the remediation in this run): the rest are counted.
      const sized = old.omitted > 0 ? ` of the ${old.items.length} oldest (${old.omitted} more not sized)` : '';
      return verdict.warn(
        subject,
        `${old.count} job dir(s) unused for more than ${maxAgeHours} h while no job runs, ${formatBytes(bytes)} in all${sized}`,
        [`count ${old.count}`, `oldest ${oldest.path} (last used ${new Date(oldest.lastUsedMs).toISOString()}, ${ageH} h ago)`, `total bytes ${bytes}${sized}`, ...blind],
      );
    }
  },
});
