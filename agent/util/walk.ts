import { closeSync, constants, fstatSync, lstatSync, openSync, opendirSync, readdirSync, type Dirent, type Stats } from 'node:fs';
import { decodeExact, escapeBytes } from './byte-names.js';
import { Entry, kindOf, ListedDir, type EntryKind, type WalkEntry, type WalkFrom, type WalkOptions, type WalkStats, type WalkVisitor } from './walk-entry.js';
import { Anchor, ASCII, fdDir, fsPathOf, rawFromAnchor, relOf, type DirRef, type FdCount } from './walk-paths.js';
import { progress } from './progress.js';

export type { EntryKind, WalkEntry, ListedDir, WalkFrom, WalkOptions, WalkStats, WalkVisitor };

/** Dirs opened by every walk of this process: lets a test see that a stopped walk makes no more progress. */
export const walkActivity = { dirsOpened: 0 };

/** A dir this large is streamed with opendir; smaller ones are read in one call (about twice as fast per entry). */
const HUGE_DIR_BYTES = 1024 * 1024;
/** Past this many bytes of path below an anchor, the next dir becomes an anchor (an open fd): paths stay far below PATH_MAX. */
const REANCHOR_BYTES = 3000;
/**
 * Dirs waiting to be walked. Each costs ~100 bytes; a job making millions of
 * sibling dirs would otherwise cost memory without bound. Past it, dirs are
 * counted as not walked (the checks say so), not queued.
 */
export const MAX_PENDING_DIRS = 250_000;
/**
 * Subdirs are opened from their parent's open handle while it is listed
 * (one name, O_NOFOLLOW: nothing to swap on the way, no lstat needed) as
 * long as the walk holds fewer handles than this; past it they are reached
 * later by path from an anchor and checked against an lstat taken now.
 */
export const MAX_OPEN_DIRS = 256;
const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const LIST = { withFileTypes: true, encoding: 'latin1' } as const;

function* streamDir(path: string): Generator<Dirent> {
  const handle = opendirSync(path, { encoding: 'latin1', bufferSize: 1024 });
  try {
    for (let d = handle.readSync(); d !== null; d = handle.readSync()) yield d;
  } finally {
    handle.closeSync();
  }
}

const errCode = (err: unknown) => (err as NodeJS.ErrnoException).code ?? 'EIO';
/** A name that was a dir in the listing and is now a link or a file: swapped under the walk, not followed. */
const swapped = (code: string) => (code === 'ENOTDIR' || code === 'ELOOP' ? 'ECHANGED' : code);

/**
 * Walks a tree like `find -xdev`, names as bytes: symlinks are never followed
 * (each dir is opened O_NOFOLLOW from its parent's open handle, or from an
 * open ancestor and checked against the dev/ino its listing showed, so a
 * swap is reported, not followed); a dir whose lstat a visitor looked at is
 * walked only if it is still that dir; unreadable dirs are reported and
 * skipped; paths of any depth are reached (re-anchored on an open fd every
 * ~3000 bytes). Memory is bounded by the pending-dir stack, not by the
 * number of files; open handles by MAX_OPEN_DIRS plus the anchors. Dirs are
 * visited depth first, in listing order. The walk yields to the event loop
 * between dirs, so timeouts fire and `signal` stops it.
 *
 * One thread, on purpose: listings read ahead on Node's thread pool cost
 * more than they save, measured twice (4 in flight: 60% more CPU; 2 in
 * flight: 1.2x -> 1.9x du on 100,000 one-file dirs, 1.6x -> 2.1x on 2,000
 * checkouts; bench/build-scan.mjs), and the packaged unit gives the audit
 * half a core (CPUQuota=50%) anyway: what counts is syscalls and objects
 * per entry, which this keeps to one listing, one open and one fstat per
 * dir, and one small object per entry the visitor wants (fileNames).
 */
export async function walk(start: string | WalkFrom, visitor: WalkVisitor, opts: WalkOptions = {}): Promise<WalkStats> {
  const stats: WalkStats = { files: 0, dirs: 0, unreadable: 0, aborted: false, notWalked: 0 };
  let rootFd: number;
  let root: Stats;
  const from = typeof start === 'string' ? null : start;
  try {
    // A part of another walk: re-opened through that walk's handle (`<fd>/.`: no name to swap), never by path.
    rootFd = openSync(from ? `${fdDir()}/${from.fd}/.` : start as string, DIR_FLAGS);
    root = fstatSync(rootFd);
  } catch (err) {
    const code = errCode(err);
    // Not a dir (a file, a link): nothing below it to walk. Anything else is a blind spot.
    if (code !== 'ENOENT' && code !== 'ENOTDIR' && code !== 'ELOOP') {
      stats.unreadable++;
      visitor.unreadable?.('', code);
    }
    return stats;
  }
  const xdev = opts.xdev ?? true;
  const fds: FdCount = { open: 1 };
  const closeFd = (fd: number) => {
    closeSync(fd);
    fds.open--;
  };
  if (from && (root.dev !== from.dev || root.ino !== from.ino)) {
    closeSync(rootFd);
    stats.unreadable++;
    visitor.unreadable?.(from.shown.join('/'), 'ECHANGED');
    return stats;
  }
  const uncounted = { files: 0, dirs: 0 };
  const stack: DirRef[] = [{ ...startRef(from), fd: rootFd, anchor: null, rawLen: 0, dev: root.dev, ino: root.ino, size: root.size, mtimeMs: root.mtimeMs }];
  const stack0Depth = stack[0]!.depth;
  let sinceYield = 0;
  const pause = async () => {
    sinceYield = 0;
    if (!from) progress(`${opts.label ?? 'scanning'} ${start as string}: ${stats.files} files, ${stats.dirs} dirs`);
    await new Promise((r) => setImmediate(r));
  };
  /** Lets go of a pending dir: its own handle or its ref on its anchor. */
  const drop = (d: DirRef) => {
    if (d.fd < 0) d.anchor!.release();
    else closeFd(d.fd);
  };
  try {
    while (stack.length > 0) {
      if (opts.signal?.aborted) {
        stats.aborted = true;
        stats.notWalked += stack.length;
        for (const d of stack) drop(d);
        stack.length = 0;
        break;
      }
      const dir = stack.pop()!;
      // Its handle: its own (opened from its parent's, already checked), or opened now from its anchor.
      let fd = dir.fd;
      /** What its subdirs reached by path hang from, and its own path's length below that. */
      let kids: Anchor;
      let kidsBase = 0;
      let temp = false;
      if (fd >= 0) {
        kids = new Anchor(fd, fds);
      } else {
        const anchor = dir.anchor!;
        try {
          fd = openSync(fsPathOf(anchor.prefix + rawFromAnchor(dir)) as string, DIR_FLAGS);
          fds.open++;
        } catch (err) {
          anchor.release();
          const code = errCode(err);
          if (code === 'ENOENT') continue; // removed since its listing: nothing there to miss
          stats.unreadable++;
          visitor.unreadable?.(relOf(dir), swapped(code));
          continue;
        }
        walkActivity.dirsOpened++;
        const st = fstatSync(fd);
        dir.mtimeMs = st.mtimeMs;
        if (st.dev !== dir.dev || st.ino !== dir.ino) {
          closeFd(fd);
          anchor.release();
          stats.unreadable++;
          visitor.unreadable?.(relOf(dir), 'ECHANGED');
          continue;
        }
        if (dir.rawLen > REANCHOR_BYTES) {
          // This dir becomes the anchor of its subtree: its fd stays open while any of it is pending.
          anchor.release();
          kids = new Anchor(fd, fds);
          dir.anchor = kids;
          dir.rawLen = 0;
        } else {
          kids = anchor; // the ref this dir held passes to its listing, released below
          kidsBase = dir.rawLen;
          temp = true;
        }
      }
      const listPrefix = `${fdDir()}/${fd}/`;
      try {
        const huge = dir.size > HUGE_DIR_BYTES;
        const entries: Iterable<Dirent> = huge ? streamDir(listPrefix.slice(0, -1)) : readdirSync(listPrefix.slice(0, -1), LIST);
        if (visitor.listed && visitor.listed(new ListedDir(dir, listPrefix, huge ? null : (entries as Dirent[]))) === false) continue;
        let inDir = 0;
        const only = opts.fileNames;
        // Counted here, or by another walk that listed the start dir too (rootUncounted).
        const counts = opts.rootUncounted && dir.depth === stack0Depth ? uncounted : stats;
        for (const d of entries) {
          const raw = d.name; // latin1: one char per byte
          if (only && !only.has(raw) && !d.isDirectory() && kindOf(d) !== null) {
            counts.files++;
            if (++inDir % 4096 === 0) {
              await pause();
              if (opts.signal?.aborted) break;
            }
            continue;
          }
          const bytes = ASCII.test(raw) ? null : Buffer.from(raw, 'latin1');
          const decoded = bytes ? decodeExact(bytes) : raw;
          let kind: EntryKind | null = kindOf(d);
          let st: Stats | null | undefined;
          if (kind === null) {
            st = lstatSync(bytes ? Buffer.from(listPrefix + raw, 'latin1') : listPrefix + raw, { throwIfNoEntry: false }) ?? null;
            if (!st) continue; // vanished while we walked
            kind = kindOf(st) ?? 'other';
          }
          const exact = dir.exact && decoded !== null;
          const e = new Entry(decoded ?? escapeBytes(bytes!), raw, bytes, dir, listPrefix, kind, exact);
          e.st = st;
          if (kind !== 'dir') {
            counts.files++;
            visitor.entry(e);
          } else {
            counts.dirs++;
            if (visitor.entry(e) !== false) {
              if (stack.length >= MAX_PENDING_DIRS) stats.notWalked++;
              else {
                const sub = openSub(e, dir, kids, kidsBase);
                if (sub) stack.push(sub);
              }
            }
          }
          if (++inDir % 4096 === 0) {
            await pause();
            if (opts.signal?.aborted) break; // the loop's top counts what is left
          }
        }
      } catch (err) {
        stats.unreadable++;
        visitor.unreadable?.(relOf(dir), errCode(err));
      } finally {
        kids.release();
        if (temp) closeFd(fd);
      }
      if (++sinceYield >= 64) await pause();
    }
  } finally {
    for (const d of stack) drop(d);
  }
  return stats;

  /**
   * The pending dir for subdir `e` of `dir`: opened now from dir's handle
   * while the walk holds few, else left to be reached from `kids` by path,
   * with the identity an lstat shows now. Null when it is not walked
   * (gone, swapped, another filesystem).
   */
  function openSub(e: Entry, dir: DirRef, kids: Anchor, kidsBase: number): DirRef | null {
    if (fds.open < MAX_OPEN_DIRS) {
      let fd: number;
      try {
        fd = openSync(e.fsPath as string, DIR_FLAGS);
        fds.open++;
      } catch (err) {
        const code = errCode(err);
        if (code !== 'ENOENT') {
          stats.unreadable++;
          visitor.unreadable?.(e.rel, swapped(code));
        }
        return null;
      }
      walkActivity.dirsOpened++;
      const st = fstatSync(fd);
      // A visitor that judged the dir by its lstat gets that dir walked, or a report that it changed.
      const changed = e.st != null && (e.st.dev !== st.dev || e.st.ino !== st.ino);
      if (changed || (xdev && st.dev !== root.dev)) {
        closeFd(fd);
        if (changed) {
          stats.unreadable++;
          visitor.unreadable?.(e.rel, 'ECHANGED');
        }
        return null;
      }
      return { parent: dir, raw: e.raw, shown: e.name, exact: e.exact, depth: dir.depth + 1, fd, anchor: null, rawLen: 0, dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs };
    }
    const s = e.lstat();
    if (!s || (xdev && s.dev !== root.dev)) return null;
    kids.refs++;
    const rawLen = kidsBase + (kidsBase ? 1 : 0) + e.raw.length;
    return { parent: dir, raw: e.raw, shown: e.name, exact: e.exact, depth: dir.depth + 1, fd: -1, anchor: kids, rawLen, dev: s.dev, ino: s.ino, size: s.size, mtimeMs: s.mtimeMs };
  }
}

/**
 * Where a walk of a part of another walk's tree starts: that walk's dir
 * (its dev/ino checked), named as that walk names it, so rel, depth and
 * parentMtimeMs read as they would in one walk of the whole.
 */
function startRef(from: WalkFrom | null): Pick<DirRef, 'parent' | 'raw' | 'shown' | 'exact' | 'depth'> {
  if (!from || from.shown.length === 0) return { parent: null, raw: '', shown: '', exact: from?.exact ?? true, depth: 0 };
  // Its ancestors: names and the parent's mtime only (never opened: rawLen 0 ends every path at the start's own handle).
  let parent: DirRef = { parent: null, raw: '', shown: '', exact: true, depth: 0, fd: -1, anchor: null, rawLen: 0, dev: 0, ino: 0, size: 0, mtimeMs: 0 };
  for (const [i, shown] of from.shown.slice(0, -1).entries()) parent = { ...parent, parent, shown, depth: i + 1 };
  parent.mtimeMs = from.parentMtimeMs;
  return { parent, raw: '', shown: from.shown.at(-1)!, exact: from.exact, depth: from.shown.length };
}

/** du -sb of one tree (no link following, one filesystem): bytes of every non-dir entry. */
export async function treeBytes(start: string | WalkFrom, signal?: AbortSignal): Promise<number> {
  let bytes = 0;
  await walk(
    start,
    {
      entry(e) {
        if (e.kind !== 'dir') bytes += e.stat()?.size ?? 0;
      },
    },
    { signal },
  );
  return bytes;
}

export { fdDir };
