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

/** A part of a builds dir another thread may walk: a job dir, a group, or the part of a group's subdirs `shardOf` puts in `index`. */
export type ScanUnit = { kind: 'job'; job: LayoutJob } | { kind: 'group'; shard?: { index: number; of: number } };

/** Hands a dir just listed (or a part of it) to another thread: true when taken. */
export type HandOff = (d: ListedDir, unit: ScanUnit) => boolean;

/**
 * A group listing at most this many entries is handed to a worker whole;
 * a bigger one is shared out by its subdirs' names (shardOf), so a builds
 * dir of one big group is shared too, and each part handed costs one
 * message, not one per job dir.
 */
const WHOLE_GROUP_MAX = 64;

/** Which of `of` parts a subdir of a shared group falls in: a hash of its raw name (FNV-1a), the same in every thread. */
export function shardOf(raw: string, of: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < raw.length; i++) h = Math.imul(h ^ raw.charCodeAt(i), 0x01000193);
  return (h >>> 0) % of;
}

/** How a walk shares its tree: the threads there are (with its own), or the part of a group it was handed. */
export type TreeShare = { threads: number; handOff: HandOff } | { shard: { index: number; of: number }; depth: number };

/**
 * One walk of (a part of) a runner dir: the layout followed and the
 * checkouts judged in the same walk (ScanVisitor). The same for the whole
 * dir on the scan's thread and for a job dir or group in a worker thread,
 * so both report alike.
 */
export class TreeScan {
  readonly layout: LayoutResult;
  readonly visitor: ScanVisitor;
  private readonly old = new Smallest<OldCheckout>(SCAN_SAMPLE, (j) => j.lastUsedMs, (a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  private oldCount = 0;

  constructor(base: string, cutoffMs: number, layout: GitlabLayout | LayoutResult, share?: TreeShare) {
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
      handOff: share && 'handOff' in share ? (d, answer) => this.handOff(d, answer, share.threads, share.handOff) : undefined,
    });
    if (share && 'shard' in share) {
      // A part of a group: of the group's own entries, only the subdirs of this part (the rest, and its files, are another thread's).
      const { index, of } = share.shard;
      this.visitor.skipFor = (d) => (d.depth === share.depth ? (e) => e.kind !== 'dir' || shardOf(e.raw, of) !== index : null);
    }
  }

  /**
   * What of a dir just listed goes to other threads: a group (below the
   * concurrency id) whole when small, else its subdirs shared by name; a
   * job dir on its own only right below the concurrency id (no group to
   * share). True: all of it went.
   */
  private handOff(d: ListedDir, answer: 'job' | true, threads: number, handOff: HandOff): boolean {
    if (answer === 'job') {
      if (d.depth !== 3) return false;
      const job = this.layout.jobs.get(d.rel);
      return job !== undefined && handOff(d, { kind: 'job', job });
    }
    if (d.depth < 3) return false;
    if ((d.size ?? Infinity) <= WHOLE_GROUP_MAX) return handOff(d, { kind: 'group' });
    const handed = new Set<number>();
    for (let index = 1; index < threads; index++) if (handOff(d, { kind: 'group', shard: { index, of: threads } })) handed.add(index);
    if (handed.size > 0) this.visitor.skip = (e) => e.kind === 'dir' && handed.has(shardOf(e.raw, threads));
    return false;
  }

  /** `rootUncounted`: the start dir's entries are another walk's to count (a part of a group). */
  async run(start: string | WalkFrom, signal?: AbortSignal, rootUncounted = false): Promise<WalkStats> {
    return walk(start, this.visitor, { label: 'scanning', signal, fileNames: CREDENTIAL_FILE_NAMES, rootUncounted });
  }

  /** Adds what a worker thread found in a part of the tree. */
  merge(r: Omit<TreeScanResult, 'stats'>): void {
    // Past MAX_LAYOUT_JOBS, mergeJob keeps no more and sets the layout's note, as the scan's own would.
    for (const job of r.jobs) mergeJob(this.layout, job);
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
