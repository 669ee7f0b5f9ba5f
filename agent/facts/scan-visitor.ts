import { lstatSync } from 'node:fs';
import { describeCode, isHostError } from '../host/errors.js';
import { readRegularTextSync } from '../host/tree-fs.js';
import { Sample } from '../util/bounded.js';
import { inspectCredentialFile, type Leak } from '../util/credential-leaks.js';
import type { ListedDir, WalkEntry, WalkVisitor } from '../util/walk.js';
import type { GitlabLayout, LayoutJob } from './job-layout.js';

/** Findings a scan keeps per kind (job dirs, leaks, read errors, unreadable dirs); the rest are counted. */
export const SCAN_SAMPLE = 100;

export interface CredentialLeak extends Leak {
  /** Target path of the file, escaped like JobDir.path. */
  path: string;
  exact: boolean;
  size: number;
}

/** What one walk of (a part of) a runner dir found, beside the job dirs: all counts, and bounded samples. */
export interface ScanTally {
  /** Checkouts (dirs holding .git) that are not part of a layout job dir. */
  checkouts: number;
  credentials: { files: number; leaks: Sample<CredentialLeak>; errors: Sample<{ path: string; error: string }> };
  /** Dirs not walked: "path (EACCES)". */
  unreadable: Sample<string>;
}

export const newTally = (): ScanTally => ({
  checkouts: 0,
  credentials: { files: 0, leaks: new Sample(SCAN_SAMPLE), errors: new Sample(SCAN_SAMPLE) },
  unreadable: new Sample(SCAN_SAMPLE),
});

/** Adds `from` (another thread's tally, as posted: plain objects) into `into`. */
export function mergeTally(into: ScanTally, from: ScanTally): void {
  into.checkouts += from.checkouts;
  into.credentials.files += from.credentials.files;
  mergeSample(into.credentials.leaks, from.credentials.leaks);
  mergeSample(into.credentials.errors, from.credentials.errors);
  mergeSample(into.unreadable, from.unreadable);
}

function mergeSample<T>(into: Sample<T>, from: Pick<Sample<T>, 'items' | 'count' | 'bytes'>): void {
  for (const item of from.items) if (into.items.length < into.max) into.items.push(item);
  into.count += from.count;
  into.bytes += from.bytes;
}

const GIT_STAMPS = ['index', 'HEAD', 'FETCH_HEAD', 'ORIG_HEAD'];
const CREDENTIAL_NAMES = new Set(['.netrc', '_netrc', '.git-credentials', '.npmrc']);
/** Every file name isCredentialFile can say yes to: the walk visits only these files. */
export const CREDENTIAL_FILE_NAMES: ReadonlySet<string> = new Set([...CREDENTIAL_NAMES, 'config', 'config.json']);

function isCredentialFile(name: string, parentName: string): boolean {
  if (CREDENTIAL_NAMES.has(name)) return true;
  if (name === 'config' && parentName === '.git') return true;
  return name === 'config.json' && parentName === '.docker';
}

/**
 * Newest mtime of a .git dir's stamps, read when the walk lists it: only
 * the stamps its listing holds are looked at, through its open handle (a
 * stamp swapped for a link is not a file and lends nothing).
 */
function newestStamp(git: ListedDir): number {
  let ms = 0;
  for (const s of GIT_STAMPS) {
    if (git.has(s) === false) continue;
    const st = lstatSync(`${git.path}/${s}`, { throwIfNoEntry: false });
    if (st?.isFile()) ms = Math.max(ms, st.mtimeMs);
  }
  return ms;
}

export interface ScanHooks {
  /** The layout job dir that is, or holds, a checkout (rel), if any: a nested repo is part of its job. */
  layoutJobOf(checkout: string): LayoutJob | undefined;
  /** A checkout outside the layout, judged when its .git is listed. */
  checkout(rel: string, exact: boolean, lastUsedMs: number): void;
  /** The GitLab layout followed in the same walk, if the dir is a builds dir. */
  gitlab?: GitlabLayout;
  /** A dir the layout made a job dir ('job') or a group (true) as it was listed: true when another thread walks it (its entries are skipped here). */
  handOff?(d: ListedDir, answer: 'job' | true): boolean;
}

/**
 * The build scan's walk visitor, for a whole runner dir or a part of it (a
 * job dir a worker thread walks): a checkout is judged when its `.git` is
 * listed (its stamps read right there), a credential file when it is met.
 */
export class ScanVisitor implements WalkVisitor {
  /** Checkouts whose .git was met and not yet listed: rel of the .git -> exact. One never listed is counted, not judged. */
  readonly gits = new Map<string, boolean>();
  readonly tally = newTally();
  /** Entries of the dir last listed that another thread walks (set by `skipFor` or a hand-off, for that listing only). */
  skip: ((e: WalkEntry) => boolean) | null = null;
  /** What of a dir's entries to leave to others, asked as each dir is listed. */
  skipFor: ((d: ListedDir) => ((e: WalkEntry) => boolean) | null) | null = null;

  constructor(
    /** The runner dir's target path: what paths are shown below. */
    private readonly base: string,
    private readonly hooks: ScanHooks,
  ) {}

  listed(d: ListedDir): boolean | void {
    this.skip = this.skipFor?.(d) ?? null;
    const answer = this.hooks.gitlab?.listed(d);
    if (answer && this.hooks.handOff?.(d, answer)) return false;
    if (d.name !== '.git') return;
    const rel = d.rel;
    const exact = this.gits.get(rel);
    if (exact === undefined) return;
    this.gits.delete(rel);
    // The checkout is the .git's parent: its own mtime, the .git's (both from the walk's fstat of their handles), the stamps'.
    const lastUsedMs = Math.max(d.parentMtimeMs ?? 0, d.mtimeMs, newestStamp(d));
    const checkout = checkoutOf(rel);
    const owner = this.hooks.layoutJobOf(checkout);
    if (owner) {
      // Counted with its layout job dir, which its git stamps make younger.
      if (owner.rel === checkout) owner.lastUsedMs = Math.max(owner.lastUsedMs, lastUsedMs);
      return;
    }
    this.hooks.checkout(checkout, exact, lastUsedMs);
  }

  entry(e: WalkEntry): boolean | void {
    if (this.skip?.(e)) return false;
    this.hooks.gitlab?.entry(e);
    if (e.kind === 'dir') {
      if (e.name !== '.git') return true;
      const rel = e.rel;
      if (!this.hooks.layoutJobOf(checkoutOf(rel))) this.tally.checkouts++;
      this.gits.set(rel, e.exact);
      return true;
    }
    if (e.kind !== 'file' || !isCredentialFile(e.name, e.parentName)) return undefined;
    const c = this.tally.credentials;
    c.files++;
    const shown = `${this.base}/${e.rel}`;
    let text: string;
    try {
      text = readRegularTextSync(e.fsPath as string, shown, 1024 * 1024);
    } catch (err) {
      c.errors.add({ path: shown, error: `${shown}: ${isHostError(err) ? describeCode(err.code) : String(err)}` });
      return undefined;
    }
    const leak = inspectCredentialFile(shown, text);
    const size = Buffer.byteLength(text);
    if (leak) c.leaks.add({ ...leak, path: shown, exact: e.exact, size }, size);
    return undefined;
  }

  unreadable(rel: string, code: string): void {
    this.tally.unreadable.add(`${rel ? `${this.base}/${rel}` : this.base} (${code === 'ECHANGED' ? 'changed during the scan' : code})`);
  }

  /**
   * After the walk: a .git it met but could not list (swapped, unreadable,
   * past the limits) leaves its layout job not judged old on the dir's
   * mtime alone (its stamps are unknown; the walk's report says why).
   */
  settleUnlisted(): void {
    for (const rel of this.gits.keys()) {
      const owner = this.hooks.layoutJobOf(checkoutOf(rel));
      if (owner) owner.lastUsedMs = Number.POSITIVE_INFINITY;
    }
  }
}

const checkoutOf = (gitRel: string) => (gitRel === '.git' ? '' : gitRel.slice(0, -'/.git'.length));
