import { Smallest } from '../util/bounded.js';
import { walk, type ListedDir, type WalkFrom, type WalkStats } from '../util/walk.js';
import { GitlabLayout, layoutJobOf, mergeJob, type LayoutJob, type LayoutResult } from './job-layout.js';
import { CREDENTIAL_FILE_NAMES, mergeTally, SCAN_SAMPLE, ScanVisitor, type ScanTally } from './scan-visitor.js';

/** A checkout outside the layout, unused since the cutoff. */
export interface OldCheckout {
  rel: string;
  exact: boolean;
  lastUsedMs: number;
}

/** What a walk of a runner dir, or of a part of it in a worker thread, found: counts and bounded samples. */
export interface TreeScanResult {
  /** Layout job dirs, dated by their own mtime and their git stamps (never-listed .git: Infinity, not judged). */
  jobs: LayoutJob[];
  note?: string;
  tally: ScanTally;
  /** Checkouts outside the layout unused since the cutoff: the oldest SCAN_SAMPLE, and how many. */
  old: { items: OldCheckout[]; count: number };
  stats: WalkStats;
}

/** What to hand to another thread, as the layout sees a dir just listed. */
export type HandOff = (d: ListedDir, unit: { kind: 'job'; job: LayoutJob } | { kind: 'group' }) => boolean;

/**
 * Groups listing more dirs than this are split into their job dirs when
 * handed to worker threads (a builds dir of one big group is still shared);
 * smaller ones go whole, so a thread's answer covers many job dirs.
 */
const WHOLE_GROUP_MAX = 64;

/**
 * One walk of (a part of) a runner dir: the layout followed and the
 * checkouts judged in the same walk (ScanVisitor). The same for the whole
 * dir on the scan's thread and for a job dir or group in a worker thread,
 * so both report alike.
 */
export class TreeScan {
  readonly layout: LayoutResult;
  readonly visitor: ScanVisitor;
  private readonly old = new Smallest<OldCheckout>(SCAN_SAMPLE, (j) => j.lastUsedMs);
  private oldCount = 0;

  constructor(base: string, cutoffMs: number, layout: GitlabLayout | LayoutResult, handOff?: HandOff) {
    const gitlab = layout instanceof GitlabLayout ? layout : undefined;
    this.layout = gitlab ? gitlab.result : (layout as LayoutResult);
    this.visitor = new ScanVisitor(base, {
      layoutJobOf: (checkout) => layoutJobOf(this.layout, checkout),
      gitlab,
      checkout: (rel, exact, lastUsedMs) => {
        if (lastUsedMs >= cutoffMs) return;
        this.oldCount++;
        this.old.add({ rel, exact, lastUsedMs });
      },
      handOff: handOff
        ? (d, answer) => {
            if (answer === 'job') {
              const job = this.layout.jobs.get(d.rel);
              return job !== undefined && handOff(d, { kind: 'job', job });
            }
            // A group (below the concurrency id) small enough to go whole.
            return d.depth >= 3 && (d.size ?? Infinity) <= WHOLE_GROUP_MAX && handOff(d, { kind: 'group' });
          }
        : undefined,
    });
  }

  async run(start: string | WalkFrom, signal?: AbortSignal): Promise<WalkStats> {
    return walk(start, this.visitor, { label: 'scanning', signal, fileNames: CREDENTIAL_FILE_NAMES });
  }

  /** Adds what a worker thread found in a part of the tree. */
  merge(r: Omit<TreeScanResult, 'stats'>): void {
    for (const job of r.jobs) if (!mergeJob(this.layout, job)) this.layout.note = this.layout.note ?? r.note;
    if (r.note) this.layout.note ??= r.note;
    mergeTally(this.visitor.tally, r.tally);
    for (const c of r.old.items) this.old.add(c);
    this.oldCount += r.old.count;
  }

  /** After the walk (and every merge): the .git dirs never listed settled, the samples in path order. */
  result(stats: WalkStats): TreeScanResult {
    this.visitor.settleUnlisted();
    const { tally } = this.visitor;
    // In path order, whichever thread met them first: the same report for the same tree.
    const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
    tally.credentials.leaks.items.sort(byPath);
    tally.credentials.errors.items.sort(byPath);
    tally.unreadable.items.sort();
    return { jobs: [...this.layout.jobs.values()], note: this.layout.note, tally, old: { items: this.old.sorted(), count: this.oldCount }, stats };
  }
}
