import { walk } from '../util/walk.js';
import type { RunnerDirKind } from './runner-dirs.js';

/** Job dirs kept per runner dir; past it the layout is not followed further (the scan says so). */
export const MAX_LAYOUT_JOBS = 50_000;
/** GitLab nests groups 20 deep: token, concurrency id, 20 groups, the project. */
const MAX_GITLAB_DEPTH = 23;

export interface LayoutJob {
  /** Path below the runner dir ("abcd12345/0/group/project"), display form. */
  rel: string;
  exact: boolean;
  /** Newest of the dir's own mtime and its `.tmp` sibling's; the build scan adds the git stamps. */
  lastUsedMs: number;
}

export interface LayoutResult {
  jobs: Map<string, LayoutJob>;
  /** Set when the layout could not be followed whole. */
  note?: string;
}

/** A dir below a GitLab builds dir, waiting for its own listing to say whether it is a project or a group. */
interface Pending {
  exact: boolean;
  mtimeMs: number;
}

const JENKINS_AUX = /@(tmp|script|libs|caches)$/;

/**
 * Job dirs as each runner lays them out, whether or not they hold `.git/`
 * (GIT_STRATEGY none or empty, a checkout whose .git a cleanup removed):
 * - GitLab shell and shared docker builds dirs:
 *   `<short-token>/<concurrency-id>/<group…>/<project>` (common/build.go
 *   ProjectUniqueDir). Below the concurrency id, a dir is the project when
 *   it has a `<name>.tmp` sibling (the runner's temp dir), ends in `-empty`
 *   (GIT_STRATEGY empty), or holds `.git`; otherwise it is a group and its
 *   subdirs are looked at the same way. Files are no mark: a job can put
 *   one anywhere, and an empty group is what deleting its projects leaves.
 * - Actions `_work/<repo>/<dir>`: every dir of a repository's folder
 *   (`_work/<repo>/<repo>` by default), `_`-prefixed tool dirs aside.
 * - Jenkins `<workDir>/workspace/<job>` (and `<job>@2`), the @tmp/@script
 *   helper dirs aside.
 * A walk of its own, shallow: it never descends below a job dir's children.
 */
export async function layoutJobs(start: string, kind: RunnerDirKind, signal?: AbortSignal): Promise<LayoutResult> {
  const jobs = new Map<string, LayoutJob>();
  const result: LayoutResult = { jobs };
  const addJob = (rel: string, exact: boolean, mtimeMs: number) => {
    if (jobs.size >= MAX_LAYOUT_JOBS) result.note = `more than ${MAX_LAYOUT_JOBS} job dirs: the rest are counted only where they hold .git`;
    else jobs.set(rel, { rel, exact, lastUsedMs: mtimeMs });
  };
  if (kind === 'actions-work' || kind === 'jenkins-work') {
    await walk(
      start,
      {
        entry(e) {
          if (e.kind !== 'dir') return false;
          if (e.depth === 1) return kind === 'actions-work' ? !e.name.startsWith('_') : e.name === 'workspace';
          if (!JENKINS_AUX.test(e.name) || kind === 'actions-work') addJob(e.rel, e.exact, e.stat()?.mtimeMs ?? 0);
          return false;
        },
      },
      { signal, label: 'job layout' },
    );
    return result;
  }
  if (kind !== 'builds') return result;
  // GitLab: the walk lists one dir at a time, so a dir's entries come together; its verdict is given when the next listing starts.
  const groups = new Set<string>(); // dirs known to be groups (their subdirs are candidates)
  const pending = new Map<string, Pending>(); // candidates not yet listed
  const tmpTimes = new Map<string, number>(); // "<parent>/<name>" of each .tmp dir seen: its mtime
  let listing: { parent: string; hasGit: boolean } | null = null;
  const parentOf = (rel: string) => (rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '');
  const finish = () => {
    if (!listing) return;
    const p = pending.get(listing.parent);
    if (p) {
      pending.delete(listing.parent);
      const tmp = tmpTimes.get(`${listing.parent}.tmp`);
      if (listing.hasGit || tmp !== undefined || listing.parent.endsWith('-empty')) addJob(listing.parent, p.exact, Math.max(p.mtimeMs, tmp ?? 0));
      else groups.add(listing.parent);
    }
    listing = null;
  };
  await walk(
    start,
    {
      entry(e) {
        if (e.depth > MAX_GITLAB_DEPTH + 1) return false;
        const rel = e.rel;
        const parent = parentOf(rel);
        if (!listing || listing.parent !== parent) {
          finish();
          listing = { parent, hasGit: false };
        }
        if (e.depth === 1) return e.kind === 'dir';
        if (e.depth === 2) {
          if (e.kind === 'dir' && /^\d+$/.test(e.name)) groups.add(rel);
          return e.kind === 'dir' && /^\d+$/.test(e.name);
        }
        if (pending.has(parent)) {
          // A candidate's own entries (.git makes it a project), unless its parent turned out to be a project: then it is inside that job.
          if (jobs.has(parentOf(parent))) {
            pending.delete(parent);
            return false;
          }
          if (e.name === '.git') listing.hasGit = true;
          if (e.kind !== 'dir' || e.name === '.git') return false;
          if (e.name.endsWith('.tmp')) {
            tmpTimes.set(rel, e.stat()?.mtimeMs ?? 0);
            return false;
          }
          pending.set(rel, { exact: e.exact, mtimeMs: e.stat()?.mtimeMs ?? 0 });
          return true;
        }
        if (!groups.has(parent)) return false; // inside a job: not the layout's business
        if (e.kind !== 'dir') return false;
        if (e.name.endsWith('.tmp')) {
          tmpTimes.set(rel, e.stat()?.mtimeMs ?? 0);
          return false;
        }
        if (pending.size >= MAX_LAYOUT_JOBS) {
          addJob(rel, e.exact, e.stat()?.mtimeMs ?? 0);
          return false;
        }
        pending.set(rel, { exact: e.exact, mtimeMs: e.stat()?.mtimeMs ?? 0 });
        return true;
      },
    },
    { signal, label: 'job layout' },
  );
  finish();
  // A candidate never listed is empty: a project only when the runner's marks say so (an empty group is what deleting its projects leaves).
  for (const [rel, p] of pending) {
    const tmp = tmpTimes.get(`${rel}.tmp`);
    if (groups.has(parentOf(rel)) && (tmp !== undefined || rel.endsWith('-empty'))) addJob(rel, p.exact, Math.max(p.mtimeMs, tmp ?? 0));
  }
  return result;
}
