import { lstatSync, opendirSync, readdirSync, type Dirent, type Stats } from 'node:fs';
import { progress } from './progress.js';

export type EntryKind = 'dir' | 'file' | 'symlink' | 'other';

export interface WalkVisitor {
  /**
   * Called for every entry below the start dir. `stat` is lazy (an lstat,
   * cached): a visitor that needs only names costs a readdir, not a stat per
   * file. Return false to not descend into a dir.
   */
  entry(hostPath: string, name: string, kind: EntryKind, stat: () => Stats | null, depth: number): boolean | void;
  /** A dir that could not be read (reported, not fatal). */
  unreadable?(hostPath: string, code: string): void;
}

export interface WalkOptions {
  /** Stay on the start dir's filesystem (find -xdev). Default true. */
  xdev?: boolean;
  /** Label for the progress line. */
  label?: string;
}

export interface WalkStats {
  files: number;
  dirs: number;
  unreadable: number;
}

/**
 * A directory this large (its own size, ~25,000+ entries on ext4) is streamed
 * with opendir so memory stays bounded; smaller ones are read in one call,
 * which is about twice as fast per entry.
 */
const HUGE_DIR_BYTES = 1024 * 1024;

function* streamDir(handle: ReturnType<typeof opendirSync>): Generator<Dirent> {
  for (let d = handle.readSync(); d !== null; d = handle.readSync()) yield d;
}

function kindOf(d: Dirent): EntryKind | null {
  if (d.isDirectory()) return 'dir';
  if (d.isFile()) return 'file';
  if (d.isSymbolicLink()) return 'symlink';
  if (d.isSocket() || d.isFIFO() || d.isBlockDevice() || d.isCharacterDevice()) return 'other';
  return null; // DT_UNKNOWN (some filesystems): needs an lstat
}

function kindOfStat(s: Stats): EntryKind {
  return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : s.isSymbolicLink() ? 'symlink' : 'other';
}

/**
 * Walks a tree like `find -xdev`: symlinks are never followed (loops cannot
 * happen); unreadable dirs are reported and skipped. Memory is bounded by the
 * pending-dir stack, not by the number of files: entries stream from opendir.
 * Work inside one directory is synchronous (no promise per file); the walk
 * yields to the event loop between directories so check timeouts still fire.
 */
export async function walk(start: string, visitor: WalkVisitor, opts: WalkOptions = {}): Promise<WalkStats> {
  const stats: WalkStats = { files: 0, dirs: 0, unreadable: 0 };
  let rootDev: number;
  let rootSize: number;
  try {
    const st = lstatSync(start);
    if (!st.isDirectory()) return stats;
    rootDev = st.dev;
    rootSize = st.size;
  } catch {
    return stats;
  }
  const xdev = opts.xdev ?? true;
  const stack: Array<[string, number, number]> = [[start, 0, rootSize]];
  let sinceYield = 0;
  while (stack.length > 0) {
    const [dir, depth, dirSize] = stack.pop()!;
    let entries: Iterable<Dirent>;
    let handle: ReturnType<typeof opendirSync> | undefined;
    try {
      if (dirSize > HUGE_DIR_BYTES) {
        handle = opendirSync(dir, { bufferSize: 1024 });
        entries = streamDir(handle);
      } else {
        entries = readdirSync(dir, { withFileTypes: true });
      }
    } catch (err) {
      stats.unreadable++;
      visitor.unreadable?.(dir, (err as NodeJS.ErrnoException).code ?? 'EIO');
      continue;
    }
    try {
      for (const d of entries) {
        const p = dir + '/' + d.name;
        let cached: Stats | null | undefined;
        const stat = () => {
          if (cached === undefined) cached = lstatSync(p, { throwIfNoEntry: false }) ?? null;
          return cached;
        };
        let kind = kindOf(d);
        if (kind === null) {
          const s = stat();
          if (!s) continue; // vanished while we walked
          kind = kindOfStat(s);
        }
        if (kind === 'dir') {
          stats.dirs++;
          const s = stat();
          const descend = visitor.entry(p, d.name, kind, stat, depth + 1);
          if (s && descend !== false && (!xdev || s.dev === rootDev)) stack.push([p, depth + 1, s.size]);
        } else {
          stats.files++;
          visitor.entry(p, d.name, kind, stat, depth + 1);
        }
      }
    } catch (err) {
      stats.unreadable++;
      visitor.unreadable?.(dir, (err as NodeJS.ErrnoException).code ?? 'EIO');
    } finally {
      handle?.closeSync();
    }
    if (++sinceYield >= 256) {
      sinceYield = 0;
      progress(`${opts.label ?? 'scanning'} ${start}: ${stats.files} files, ${stats.dirs} dirs`);
      await new Promise((r) => setImmediate(r));
    }
  }
  return stats;
}

/** du -sb of one tree (no link following, one filesystem): bytes of every non-dir entry. */
export async function treeBytes(start: string): Promise<number> {
  let bytes = 0;
  await walk(start, {
    entry(_p, _n, kind, stat) {
      if (kind !== 'dir') bytes += stat()?.size ?? 0;
    },
  });
  return bytes;
}

