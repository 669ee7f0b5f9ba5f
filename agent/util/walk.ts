import { closeSync, constants, fstatSync, lstatSync, openSync, opendirSync, readdirSync, type Dirent, type Stats } from 'node:fs';
import { decodeExact, escapeBytes } from './byte-names.js';
import { Anchor, ASCII, fdDir, fsPathOf, rawFromAnchor, relOf, type DirRef } from './walk-paths.js';
import { progress } from './progress.js';

export type EntryKind = 'dir' | 'file' | 'symlink' | 'other';

/** One entry below the start dir, valid for the duration of the visitor call. */
export interface WalkEntry {
  /** Name for display: valid UTF-8 as is, other bytes as `\xNN`. */
  readonly name: string;
  /** The raw name (bytes). */
  readonly rawName: Buffer;
  /** Display path below the start dir ("a/b/c"), built on demand. */
  readonly rel: string;
  /** Display name of the dir holding it ("" for the start dir). */
  readonly parentName: string;
  readonly kind: EntryKind;
  readonly depth: number;
  /** Every name from the start dir down is valid UTF-8, so `start + "/" + rel` is its real path. */
  readonly exact: boolean;
  /**
   * A path that reaches this entry now, relative to the open handle of its
   * dir (`/proc/self/fd/N/name`): no link is followed on the way, and it
   * stays short whatever the depth. Valid only during the call.
   */
  readonly fsPath: string | Buffer;
  /** The open dir holding the entry (`/proc/<pid>/fd/N`), valid only during the call. */
  readonly dirPath: string;
  /** lstat, cached; null when it vanished. */
  stat(): Stats | null;
}

export interface WalkVisitor {
  /** Called for every entry below the start dir. Return false to not descend into a dir. */
  entry(e: WalkEntry): boolean | void;
  /** A dir that could not be read or was swapped during the walk (reported, not fatal). */
  unreadable?(rel: string, code: string): void;
}

export interface WalkOptions {
  /** Stay on the start dir's filesystem (find -xdev). Default true. */
  xdev?: boolean;
  /** Label for the progress line. */
  label?: string;
  /** Stops the walk (between dirs and every few thousand entries); the stats say so. */
  signal?: AbortSignal;
}

export interface WalkStats {
  files: number;
  dirs: number;
  unreadable: number;
  /** The signal stopped the walk before the end. */
  aborted: boolean;
  /** Dirs known but not walked (pending when stopped, or over the pending limit). */
  notWalked: number;
}

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
const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

function kindOf(d: Dirent | Stats): EntryKind | null {
  if (d.isDirectory()) return 'dir';
  if (d.isFile()) return 'file';
  if (d.isSymbolicLink()) return 'symlink';
  if (d.isSocket() || d.isFIFO() || d.isBlockDevice() || d.isCharacterDevice()) return 'other';
  return null; // DT_UNKNOWN (some filesystems): needs an lstat
}

function* streamDir(path: string): Generator<Dirent> {
  const handle = opendirSync(path, { encoding: 'latin1', bufferSize: 1024 });
  try {
    for (let d = handle.readSync(); d !== null; d = handle.readSync()) yield d;
  } finally {
    handle.closeSync();
  }
}

const errCode = (err: unknown) => (err as NodeJS.ErrnoException).code ?? 'EIO';

/**
 * Walks a tree like `find -xdev`, names as bytes: symlinks are never followed
 * (each dir is opened O_NOFOLLOW relative to an open ancestor and checked
 * against the dev/ino its listing showed, so a swap is reported, not
 * followed); unreadable dirs are reported and skipped; paths of any depth
 * are reached (re-anchored on an open fd every ~3000 bytes). Memory is
 * bounded by the pending-dir stack, not by the number of files. The walk
 * yields to the event loop between dirs, so timeouts fire and `signal` stops it.
 */
export async function walk(start: string, visitor: WalkVisitor, opts: WalkOptions = {}): Promise<WalkStats> {
  const stats: WalkStats = { files: 0, dirs: 0, unreadable: 0, aborted: false, notWalked: 0 };
  let rootFd: number;
  let root: Stats;
  try {
    rootFd = openSync(start, DIR_FLAGS);
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
  const top: DirRef = { parent: null, raw: '', shown: '', exact: true, depth: 0, anchor: new Anchor(rootFd), rawLen: 0, dev: root.dev, ino: root.ino, size: root.size };
  const stack: DirRef[] = [top];
  let first = true;
  let sinceYield = 0;
  const pause = async () => {
    sinceYield = 0;
    progress(`${opts.label ?? 'scanning'} ${start}: ${stats.files} files, ${stats.dirs} dirs`);
    await new Promise((r) => setImmediate(r));
  };
  try {
    while (stack.length > 0) {
      if (opts.signal?.aborted) {
        stats.aborted = true;
        stats.notWalked += stack.length;
        for (const d of stack) if (d !== top || first) d.anchor.release();
        stack.length = 0;
        break;
      }
      const dir = stack.pop()!;
      // Open it (the start dir is open already), relative to its anchor, never through a link.
      let fd: number;
      let anchor = dir.anchor;
      if (first) {
        first = false;
        fd = rootFd;
      } else {
        try {
          fd = openSync(fsPathOf(anchor.prefix + rawFromAnchor(dir)) as string, DIR_FLAGS);
        } catch (err) {
          anchor.release();
          const code = errCode(err);
          if (code === 'ENOENT') continue; // removed since its listing: nothing there to miss
          stats.unreadable++;
          // Listed as a dir, now a link or a file: swapped under the walk, not followed.
          visitor.unreadable?.(relOf(dir), code === 'ENOTDIR' || code === 'ELOOP' ? 'ECHANGED' : code);
          continue;
        }
        walkActivity.dirsOpened++;
        const st = fstatSync(fd);
        if (st.dev !== dir.dev || st.ino !== dir.ino) {
          closeSync(fd);
          anchor.release();
          stats.unreadable++;
          visitor.unreadable?.(relOf(dir), 'ECHANGED');
          continue;
        }
        if (dir.rawLen > REANCHOR_BYTES) {
          // This dir becomes the anchor of its subtree: its fd stays open while any of it is pending.
          anchor.release();
          anchor = new Anchor(fd);
          dir.anchor = anchor;
          dir.rawLen = 0;
        }
      }
      const own = anchor.fd === fd;
      const listPath = own ? anchor.prefix.slice(0, -1) : `${fdDir()}/${fd}`;
      const listPrefix = `${listPath}/`;
      try {
        const entries: Iterable<Dirent> =
          dir.size > HUGE_DIR_BYTES ? streamDir(listPath) : readdirSync(listPath, { withFileTypes: true, encoding: 'latin1' });
        let inDir = 0;
        for (const d of entries) {
          const rawName = d.name; // latin1: one char per byte
          const ascii = ASCII.test(rawName);
          let fsPathMemo: string | Buffer | undefined;
          const fsPath = () => (fsPathMemo ??= ascii ? listPrefix + rawName : Buffer.from(listPrefix + rawName, 'latin1'));
          let cached: Stats | null | undefined;
          const stat = () => {
            if (cached === undefined) cached = lstatSync(fsPath() as string, { throwIfNoEntry: false }) ?? null;
            return cached;
          };
          let kind = kindOf(d);
          if (kind === null) {
            const s = stat();
            if (!s) continue; // vanished while we walked
            kind = kindOf(s) ?? 'other';
          }
          const bytes = ascii ? null : Buffer.from(rawName, 'latin1');
          const decoded = bytes ? decodeExact(bytes) : rawName;
          const name = decoded ?? escapeBytes(bytes!);
          const exact = dir.exact && decoded !== null;
          const e: WalkEntry = {
            name,
            get rawName() {
              return bytes ?? Buffer.from(rawName, 'latin1');
            },
            get rel() {
              const up = relOf(dir);
              return up ? `${up}/${name}` : name;
            },
            parentName: dir.shown,
            kind,
            depth: dir.depth + 1,
            exact,
            get fsPath() {
              return fsPath();
            },
            dirPath: listPath,
            stat,
          };
          if (kind === 'dir') {
            stats.dirs++;
            const descend = visitor.entry(e);
            const s = stat();
            if (s && descend !== false && (!xdev || s.dev === root.dev)) {
              if (stack.length >= MAX_PENDING_DIRS) stats.notWalked++;
              else {
                anchor.refs++;
                stack.push({ parent: dir, raw: rawName, shown: name, exact, depth: dir.depth + 1, anchor, rawLen: dir.rawLen + (dir.rawLen ? 1 : 0) + rawName.length, dev: s.dev, ino: s.ino, size: s.size });
              }
            }
          } else {
            stats.files++;
            visitor.entry(e);
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
        if (!own) closeSync(fd);
        anchor.release();
      }
      if (++sinceYield >= 64) await pause();
    }
  } finally {
    for (const d of stack) d.anchor.release();
  }
  return stats;
}

/** du -sb of one tree (no link following, one filesystem): bytes of every non-dir entry. */
export async function treeBytes(start: string, signal?: AbortSignal): Promise<number> {
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
