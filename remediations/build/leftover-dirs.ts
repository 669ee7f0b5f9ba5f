import { buildScanFact, type JobDir } from '../../agent/facts/build-scan.js';
import { treeState } from '../../agent/remediate/tree-guard.js';
import { defineRemediation, type Plan, type Refusal, type Step, NOT_SYSTEM } from '../../agent/remediate/types.js';
import { ESCAPED_PATH_REFUSAL } from '../../agent/util/byte-names.js';
import { formatBytes } from '../../checks/build/leftover-dirs.js';

/** The check's default (checks/build/leftover-dirs.ts): both read `[checks.RG-BUILD-001] max_age_hours`. */
const DEFAULT_MAX_AGE_HOURS = 24;

const hours = (ms: number) => Math.floor(ms / 3600_000);

/** An old checkout nested in another old one goes with the outer one: one step, not two. */
function outermost(dirs: JobDir[]): JobDir[] {
  return dirs.filter((j) => !dirs.some((o) => o !== j && j.path.startsWith(`${o.path}/`)));
}

/**
 * RG-BUILD-001: deletes the job dirs the check counts as unused for more than
 * max_age_hours. The check already skips a builds dir a job runs in; here a
 * git lock, or anything below the dir modified within max_age_hours, keeps
 * that dir (a refusal). At apply time the engine re-checks each dir (its
 * mtime, the newest mtime below it, locks, live processes) and skips only
 * the one that changed.
 */
export default defineRemediation({
  meta: {
    id: 'RG-BUILD-001',
    title: 'Delete job dirs unused for more than max_age_hours',
    impact: 'not reversible: the listed checkouts are deleted; the next job of those projects clones afresh (slower, more traffic to the git server), and anything a person kept in them is gone',
    restartsService: false,
    touches: [{ op: 'removeTree', path: NOT_SYSTEM }],
  },
  async plan(ctx, findings) {
    const maxAge = typeof ctx.options.max_age_hours === 'number' ? ctx.options.max_age_hours : DEFAULT_MAX_AGE_HOURS;
    const now = ctx.now.getTime();
    const cutoff = now - maxAge * 3600_000;
    const scans = await ctx.facts.get(buildScanFact);
    const out: Array<Plan | Refusal> = [];
    for (const f of findings) {
      const scan = scans.find((s) => s.exists && s.dir.path === f.subject);
      if (f.status !== 'warn' || !scan) continue;
      const steps: Step[] = [];
      // The scan keeps the oldest job dirs (agent/facts/build-scan.ts SCAN_SAMPLE): a flood is removed a batch per run.
      for (const j of outermost(scan.jobs.old.items.filter((d) => d.lastUsedMs < cutoff))) {
        if (!j.exact) {
          out.push({ remediation: 'RG-BUILD-001', subject: j.path, reason: ESCAPED_PATH_REFUSAL });
          continue;
        }
        const st = await ctx.host.fs.lstat(j.path);
        if (!st || st.kind !== 'dir') continue; // gone (or replaced) since the audit
        const tree = await treeState(await ctx.host.fs.hostPath(j.path));
        if (tree.incomplete) {
          out.push({ remediation: 'RG-BUILD-001', subject: j.path, reason: `it could not be seen whole (${tree.incomplete}): a lock or a fresh file may hide there` });
        } else if (tree.locks.length) {
          out.push({ remediation: 'RG-BUILD-001', subject: j.path, reason: `it holds ${tree.locks.join(', ')}: a job may be running in it; if none is (a crashed job left the lock), delete the lock and plan again` });
        } else if (tree.newestMs >= cutoff) {
          out.push({ remediation: 'RG-BUILD-001', subject: j.path, reason: `${tree.newestPath} in it was modified ${hours(now - tree.newestMs)} h ago, within max_age_hours (${maxAge}): something still uses it` });
        } else {
          const reason = `unused for ${hours(now - j.lastUsedMs)} h, last used ${new Date(j.lastUsedMs).toISOString()}`;
          steps.push({ op: 'removeTree', path: j.path, mtimeMs: tree.mtimeMs, newestMs: tree.newestMs, bytes: tree.bytes, reason, ...(scan.dir.actAs ? { actAs: scan.dir.actAs } : {}) });
        }
      }
      if (steps.length === 0) continue;
      const total = steps.reduce((n, s) => n + (s.op === 'removeTree' ? s.bytes : 0), 0);
      out.push({ remediation: 'RG-BUILD-001', subject: f.subject, summary: `delete ${steps.length} job dir(s) unused for more than ${maxAge} h, ${formatBytes(total)} in all`, steps });
    }
    return out;
  },
});
