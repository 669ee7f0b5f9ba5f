import { lstatSync } from 'node:fs';
import { walk, type ListedDir, type WalkEntry } from '../util/walk.js';
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
  if (kind === 'builds') {
    // Alone: a project's listing is all the layout needs of it, so nothing below it is visited.
    const gitlab = new GitlabLayout();
    await walk(start, { listed: (d) => gitlab.listed(d) === true, entry: (e) => gitlab.entry(e) }, { signal, label: 'job layout' });
    return gitlab.result;
  }
  const result: LayoutResult = { jobs: new Map() };
  if (kind === 'actions-work' || kind === 'jenkins-work') {
    await walk(
      start,
      {
        entry(e) {
          if (e.kind !== 'dir') return false;
          if (e.depth === 1) return kind === 'actions-work' ? !e.name.startsWith('_') : e.name === 'workspace';
          if (!JENKINS_AUX.test(e.name) || kind === 'actions-work') addJob(result, e.rel, e.exact, e.stat()?.mtimeMs ?? 0);
          return false;
        },
      },
      { signal, label: 'job layout' },
    );
  }
  return result;
}

/** The layout's job dir that is, or holds, a checkout (rel), if any. */
export function layoutJobOf(layout: LayoutResult, checkout: string): LayoutJob | undefined {
  if (layout.jobs.size === 0) return undefined;
  const parts = checkout.split('/');
  for (let i = 1; i <= parts.length; i++) {
    const j = layout.jobs.get(parts.slice(0, i).join('/'));
    if (j) return j;
  }
  return undefined;
}

/** Keeps a job dir another walk found (a worker's), within the same bound; false when it is not kept. */
export function mergeJob(result: LayoutResult, job: LayoutJob): boolean {
  if (!result.jobs.has(job.rel)) return addJob(result, job.rel, job.exact, job.lastUsedMs);
  result.jobs.set(job.rel, job);
  return true;
}

/** False when the layout holds all it may: the job dir is not kept. */
function addJob(result: LayoutResult, rel: string, exact: boolean, mtimeMs: number): boolean {
  if (result.jobs.size >= MAX_LAYOUT_JOBS) {
    result.note = `more than ${MAX_LAYOUT_JOBS} job dirs: the rest are counted only where they hold .git`;
    return false;
  }
  result.jobs.set(rel, { rel, exact, lastUsedMs: mtimeMs });
  return true;
}

/**
 * The GitLab layout, decided listing by listing: fed a walk's `listed` and
 * `entry` calls, alone (layoutJobs) or inside the build scan's own walk, so
 * one walk of a builds dir both finds the job dirs and scans them. A dir
 * below a group is the project when its listing holds .git or its parent's
 * listing holds its `.tmp` sibling (or it ends in -empty); otherwise it is a
 * group, and its subdirs are candidates in turn. Its answers say what the
 * layout needs walked: a project's listing, never what is below it.
 */
export class GitlabLayout {
  readonly result: LayoutResult = { jobs: new Map() };
  /** Candidates not yet listed: rel -> exact. */
  private readonly pending = new Map<string, boolean>();
  /** Job dirs found by their `.tmp` sibling or name, not yet listed (at most MAX_LAYOUT_JOBS, like the jobs). */
  private readonly unlistedJobs = new Set<string>();
  /** The dir whose entries come next, and what they are to the layout. */
  private current: ListedDir | null = null;
  private mode: 'tokens' | 'concurrency' | 'candidates' | 'none' = 'none';

  /** A dir below the concurrency id to decide by its listing (where a walk of a part of a builds dir starts). */
  expect(rel: string, exact: boolean): void {
    this.pending.set(rel, exact);
  }

  /**
   * A dir was listed. true: the layout needs its entries; 'job': it is a job
   * dir, listed now (the layout needs none of its entries); false: it is not
   * the layout's.
   */
  listed(d: ListedDir): boolean | 'job' {
    this.current = d;
    this.mode = 'none';
    // Below the deepest group: no candidate, and no rel built (O(depth) each) for the dirs of a deep checkout.
    if (d.depth > MAX_GITLAB_DEPTH + 1) return false;
    if (d.depth === 0) this.mode = 'tokens';
    else if (d.depth === 1) this.mode = 'concurrency';
    // A concurrency dir: a group. Nothing is kept per group once listed, so a job making a million empty groups costs no memory.
    else if (d.depth === 2) this.mode = /^\d+$/.test(d.name) ? 'candidates' : 'none';
    else {
      const rel = d.rel;
      const exact = this.pending.get(rel);
      if (exact === undefined) return this.unlistedJobs.delete(rel) ? 'job' : false;
      this.pending.delete(rel);
      // Too large to hold (streamed): one job dir rather than each of its entries a candidate.
      if (d.has('.git') !== false) return addJob(this.result, rel, exact, d.mtimeMs) ? 'job' : false;
      this.mode = 'candidates';
    }
    return true;
  }

  /** An entry of the dir last listed; true: the layout needs it walked (listed). */
  entry(e: WalkEntry): boolean {
    if (this.mode === 'none' || e.kind !== 'dir' || e.depth > MAX_GITLAB_DEPTH + 1) return false;
    if (this.mode === 'tokens') return true;
    if (this.mode === 'concurrency') return /^\d+$/.test(e.name);
    if (e.name.endsWith('.tmp')) return false;
    const group = this.current!;
    const tmp = group.has(`${e.raw}.tmp`) ? (lstatSync(fsPathOf(`${group.path}/${e.raw}.tmp`), { throwIfNoEntry: false }) ?? null) : null;
    if (tmp?.isDirectory() || e.name.endsWith('-empty') || this.pending.size >= MAX_LAYOUT_JOBS) {
      if (addJob(this.result, e.rel, e.exact, Math.max(e.stat()?.mtimeMs ?? 0, tmp?.isDirectory() ? tmp.mtimeMs : 0))) this.unlistedJobs.add(e.rel);
      return false;
    }
    // A candidate: its listing says (one never listed, unreadable or swapped, is neither; the scan reports the dir).
    this.pending.set(e.rel, e.exact);
    return true;
  }
}
