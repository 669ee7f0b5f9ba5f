import { lstatSync } from 'node:fs';
import { walk, type ListedDir } from '../util/walk.js';
import { fsPathOf } from '../util/walk-paths.js';
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
  // GitLab: a dir below a group is the project when its listing holds .git
  // or its parent's listing holds its `.tmp` sibling (or it ends in -empty);
  // otherwise it is a group. A project's own entries are never visited: the
  // layout lists each group and candidate once, not the checkouts' trees.
  const pending = new Map<string, boolean>(); // candidates not yet listed: rel -> exact
  /** The dir whose entries are being visited (a group): its listing answers "is there a `<name>.tmp`?". */
  let group: ListedDir | null = null;
  await walk(
    start,
    {
      listed(d) {
        const exact = pending.get(d.rel);
        if (exact !== undefined) {
          pending.delete(d.rel);
          // Too large to hold (streamed): counted as one job dir rather than each of its entries as a candidate.
          if (d.has('.git') !== false) {
            addJob(d.rel, exact, d.mtimeMs);
            return false;
          }
        }
        group = d;
        return true;
      },
      entry(e) {
        if (e.kind !== 'dir' || e.depth > MAX_GITLAB_DEPTH + 1) return false;
        if (e.depth === 1) return true;
        if (e.depth === 2) return /^\d+$/.test(e.name);
        // A child of a group (the concurrency dir, or a candidate that held no .git).
        if (e.name.endsWith('.tmp')) return false;
        const tmp = group?.has(`${e.raw}.tmp`) ? (lstatSync(fsPathOf(`${group.path}/${e.raw}.tmp`), { throwIfNoEntry: false }) ?? null) : null;
        if (tmp?.isDirectory() || e.name.endsWith('-empty') || pending.size >= MAX_LAYOUT_JOBS) {
          addJob(e.rel, e.exact, Math.max(e.stat()?.mtimeMs ?? 0, tmp?.isDirectory() ? tmp.mtimeMs : 0));
          return false;
        }
        pending.set(e.rel, e.exact);
        return true;
      },
    },
    { signal, label: 'job layout' },
  );
  // A candidate never listed (unreadable, swapped, gone) is neither: the build scan reports the dir and counts what holds .git.
  return result;
}
