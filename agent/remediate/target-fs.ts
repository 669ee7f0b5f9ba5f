import { createHash } from 'node:crypto';
import { readlinkSync, type Stats } from 'node:fs';
import type { Host } from '../host/index.js';
import { SafePathError, lstatAt, pinOf, release, safeRootOf, withTarget, type Located } from '../host/safe-path.js';
import { chmodAt, chownAt, mkdirAt, readPinned, rmdirAt, symlinkAt, unlinkAt, writeAt } from '../host/target-ops.js';
import { normalizeTargetPath } from '../util/target-path.js';

export { safeRootOf, withTarget };

// Snapshots and restores of target paths, every one through the safe-path
// layer: a path is reached component by component from the held root, never
// through a link a non-root user could make, and acted on by name relative
// to the held parent.

/** The before-state of one path, enough to put it back byte for byte. */
export type Snapshot =
  | { path: string; exists: false }
  | { path: string; exists: true; kind: 'file'; mode: number; uid: number; gid: number; sha256: string }
  | { path: string; exists: true; kind: 'dir' | 'symlink' | 'other'; mode: number; uid: number; gid: number; link?: string };

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Stores file contents by hash (journal blobs), so a snapshot can be restored. */
export interface BlobStore {
  put(data: Buffer): Promise<string>;
  get(hash: string): Promise<Buffer>;
}

export async function snapshotAt(loc: Located, blobs: BlobStore): Promise<Snapshot> {
  const st = lstatAt(loc);
  if (!st) return { path: loc.label, exists: false };
  const base = { path: loc.label, exists: true as const, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
  if (st.isFile()) return { ...base, kind: 'file', sha256: await blobs.put(readPinned(loc, pinOf(st)).data) };
  if (st.isSymbolicLink()) return { ...base, kind: 'symlink', link: readlinkAt(loc) };
  return { ...base, kind: st.isDirectory() ? 'dir' : 'other' };
}

/** The link's text; a link swapped for something else meanwhile is a change, not an error. */
function readlinkAt(loc: Located): string {
  try {
    return readlinkSync(loc.at);
  } catch (err) {
    throw new SafePathError('ECHANGED', loc.label, `${loc.label} changed while being read (${(err as NodeJS.ErrnoException).code}): left alone`);
  }
}

export async function snapshot(host: Host, target: string, blobs: BlobStore): Promise<Snapshot> {
  try {
    // Named as the step names it (a root link on the way, /var/run -> /run, is followed again on restore).
    return { ...(await withTarget(host, target, (loc) => snapshotAt(loc, blobs))), path: normalizeTargetPath(target) };
  } catch (err) {
    if (err instanceof SafePathError && err.code === 'ENOENT') return { path: normalizeTargetPath(target), exists: false }; // its directory does not exist yet
    throw err;
  }
}

/** The SHA-256 of the regular file at `target` now; null for anything else (or nothing, or unreachable). */
export async function hashOf(host: Host, target: string): Promise<string | null> {
  try {
    return await withTarget(host, target, (loc) => {
      const st = lstatAt(loc);
      return st?.isFile() ? sha256(readPinned(loc, pinOf(st)).data) : null;
    });
  } catch {
    return null;
  }
}

function asSnapshot(st: Stats | null, snap: Snapshot & { exists: true }): boolean {
  return st !== null && (st.mode & 0o7777) === snap.mode && st.uid === snap.uid && st.gid === snap.gid;
}

/** Puts a path back as the snapshot says, in the directory as it is now: contents written atomically, then mode and owner. */
export async function restore(host: Host, snap: Snapshot, blobs: BlobStore): Promise<void> {
  // Nothing was there, and its directory is gone as well: nothing to remove.
  if (!snap.exists && (await missingParents(host, snap.path).catch(() => [])).length > 0) return;
  await withTarget(host, snap.path, async (loc) => {
    const cur = lstatAt(loc);
    if (!snap.exists) {
      if (!cur) return;
      if (cur.isDirectory()) await rmdirAt(loc).catch(() => undefined); // only if we left it empty
      else await unlinkAt(loc, pinOf(cur));
      return;
    }
    // Already as the snapshot says (the step failed before it changed anything, or
    // someone put it back): nothing is written, which also spares a read-only path.
    if (asSnapshot(cur, snap)) {
      if (snap.kind === 'file' && cur!.isFile() && sha256(readPinned(loc, pinOf(cur!)).data) === snap.sha256) return;
      if (snap.kind === 'symlink' && cur!.isSymbolicLink() && readlinkAt(loc) === snap.link) return;
      if (snap.kind === 'dir' && cur!.isDirectory()) return;
    }
    if (snap.kind === 'file') {
      if (cur?.isDirectory()) throw new SafePathError('ECHANGED', loc.label, `${loc.label} is a directory now: left as it is`);
      await writeAt(loc, await blobs.get(snap.sha256), { mode: snap.mode, uid: snap.uid, gid: snap.gid });
      return;
    }
    if (snap.kind === 'symlink') {
      if (cur) await unlinkAt(loc, pinOf(cur));
      symlinkAt(loc, snap.link!, snap.uid, snap.gid);
      return;
    }
    if (snap.kind === 'dir' && !cur) return mkdirAt(loc, snap.mode, snap.uid, snap.gid);
    // A directory or a socket (DOCKER-002): its mode and owner, on the entry that is there now.
    if (cur && (snap.kind === 'dir' ? cur.isDirectory() : !cur.isDirectory() && !cur.isSymbolicLink())) {
      const pin = pinOf(cur);
      await chownAt(loc, snap.uid, snap.gid, pin);
      await chmodAt(loc, snap.mode, { ...pin, uid: snap.uid });
    }
  });
}

/** Ancestors of `target` that do not exist yet, outermost first (a writeFile will create them). */
export async function missingParents(host: Host, target: string): Promise<string[]> {
  const out: string[] = [];
  const root = safeRootOf(host);
  for (let dir = parentOf(normalizeTargetPath(target)); dir !== '/'; dir = parentOf(dir)) {
    try {
      release(root.openDir(dir));
      break;
    } catch (err) {
      if (!(err instanceof SafePathError) || err.code !== 'ENOENT') throw err;
      out.unshift(dir);
    }
  }
  return out;
}

const parentOf = (p: string) => p.slice(0, Math.max(1, p.lastIndexOf('/')));

/** Creates the missing ancestors of `target` (root's, 0755, where root alone controls them). */
export async function makeParents(host: Host, target: string): Promise<void> {
  for (const dir of await missingParents(host, target)) await withTarget(host, dir, (loc) => mkdirAt(loc, 0o755));
}
