import path from 'node:path';
import type { HostFs } from '../host/index.js';

/** Lexically normalised absolute target path: no `//`, `.`, `..` or trailing slash. */
export function normalizeTargetPath(p: string): string {
  const n = path.posix.normalize(p.startsWith('/') ? p : `/${p}`);
  return n.length > 1 ? n.replace(/\/+$/, '') : n;
}

/** Whether `p` is `dir` or below it, by whole components (/var/library is not below /var/lib). */
export function isWithin(p: string, dir: string): boolean {
  return dir === '/' || p === dir || p.startsWith(`${dir}/`);
}

/**
 * Where a path's data really lives: every symlink resolved inside the target.
 * A path that does not exist yet (a builds dir before the first job) gets
 * its deepest existing ancestor resolved and the rest appended, because the
 * data will land wherever that ancestor points.
 */
export async function resolveExisting(fs: HostFs, p: string): Promise<string> {
  const norm = normalizeTargetPath(p);
  const tail: string[] = [];
  let head = norm;
  try {
    for (;;) {
      if ((await fs.lstat(head)) !== null) {
        const real = await fs.realpath(head);
        return normalizeTargetPath([real, ...tail].join('/'));
      }
      if (head === '/') return norm;
      tail.unshift(path.posix.basename(head));
      head = path.posix.dirname(head);
    }
  } catch {
    return norm; // unreadable or escaping: judge the path as written
  }
}

/**
 * The parent resolved, the last component as written: how the kernel anchors
 * an audit watch (a watch on a symlink watches the link, not its target).
 */
export async function resolveParent(fs: HostFs, p: string): Promise<string> {
  const norm = normalizeTargetPath(p);
  if (norm === '/') return norm;
  const parent = await resolveExisting(fs, path.posix.dirname(norm));
  return normalizeTargetPath(`${parent}/${path.posix.basename(norm)}`);
}
