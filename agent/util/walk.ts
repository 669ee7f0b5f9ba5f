import { lstatSync, opendirSync, type Stats } from 'node:fs';
import path from 'node:path';
import { progress } from './progress.js';

export interface WalkVisitor {
  /** Called for every entry below the start dir (not the start dir itself). Return false to not descend into a dir. */
  entry(hostPath: string, name: string, st: Stats, depth: number): boolean | void;
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
  bytes: number;
  unreadable: number;
}

/**
 * Walks a tree like `find -xdev` / `du`: lstat only, so symlinks are never
 * followed (loops cannot happen); unreadable dirs are reported and skipped.
 * Memory is bounded by the pending-dir stack, not by the number of files:
 * entries are streamed with opendir. It works synchronously inside one
 * directory (fast: no promise per file) and yields to the event loop between
 * directories so timers (check timeouts) still fire.
 */
export async function walk(start: string, visitor: WalkVisitor, opts: WalkOptions = {}): Promise<WalkStats> {
  const stats: WalkStats = { files: 0, dirs: 0, bytes: 0, unreadable: 0 };
  let rootDev: number;
  try {
    const st = lstatSync(start);
    if (!st.isDirectory()) return stats;
    rootDev = st.dev;
  } catch {
    return stats;
  }
  const xdev = opts.xdev ?? true;
  const stack: Array<[string, number]> = [[start, 0]];
  let sinceYield = 0;
  while (stack.length > 0) {
    const [dir, depth] = stack.pop()!;
    let handle;
    try {
      handle = opendirSync(dir, { bufferSize: 128 });
    } catch (err) {
      stats.unreadable++;
      visitor.unreadable?.(dir, (err as NodeJS.ErrnoException).code ?? 'EIO');
      continue;
    }
    try {
      for (let d = handle.readSync(); d !== null; d = handle.readSync()) {
        const p = path.join(dir, d.name);
        let st: Stats;
        try {
          st = lstatSync(p);
        } catch {
          continue; // vanished while we walked
        }
        const descend = visitor.entry(p, d.name, st, depth + 1);
        if (st.isDirectory()) {
          stats.dirs++;
          if (descend !== false && (!xdev || st.dev === rootDev)) stack.push([p, depth + 1]);
        } else {
          stats.files++;
          stats.bytes += st.size;
        }
      }
    } catch (err) {
      stats.unreadable++;
      visitor.unreadable?.(dir, (err as NodeJS.ErrnoException).code ?? 'EIO');
    } finally {
      handle.closeSync();
    }
    if (++sinceYield >= 64) {
      sinceYield = 0;
      progress(`${opts.label ?? 'scanning'} ${start}: ${stats.files} files, ${stats.dirs} dirs`);
      await new Promise((r) => setImmediate(r));
    }
  }
  return stats;
}
