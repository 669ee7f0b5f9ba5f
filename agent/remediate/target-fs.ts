import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Host } from '../host/index.js';
import { normalizeTargetPath } from '../util/target-path.js';

/**
 * Where a target path's data lives on this machine. Symlinks resolve inside
 * the root (host.fs.realpath refuses ones that escape), and a path that does
 * not exist yet gets its deepest existing ancestor resolved.
 */
export async function onHost(host: Host, target: string): Promise<string> {
  const norm = normalizeTargetPath(target);
  const tail: string[] = [];
  let head = norm;
  for (;;) {
    if ((await host.fs.lstat(head)) !== null) {
      const real = await host.fs.realpath(head);
      return path.join(host.root, real, ...tail);
    }
    if (head === '/') return path.join(host.root, norm);
    tail.unshift(path.posix.basename(head));
    head = path.posix.dirname(head);
  }
}

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

/** `hostPath` is already resolved (onHost); `label` is the target path for messages. */
export async function snapshot(hostPath: string, label: string, blobs: BlobStore): Promise<Snapshot> {
  const st = await fsp.lstat(hostPath).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (!st) return { path: label, exists: false };
  const base = { path: label, exists: true as const, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
  if (st.isFile()) return { ...base, kind: 'file', sha256: await blobs.put(await fsp.readFile(hostPath)) };
  if (st.isSymbolicLink()) return { ...base, kind: 'symlink', link: await fsp.readlink(hostPath) };
  return { ...base, kind: st.isDirectory() ? 'dir' : 'other' };
}

/** Puts a path back as the snapshot says: contents written atomically, then mode and owner. */
export async function restore(hostPath: string, snap: Snapshot, blobs: BlobStore): Promise<void> {
  const cur = await fsp.lstat(hostPath).catch(() => null);
  if (!snap.exists) {
    if (!cur) return;
    if (cur.isDirectory()) await fsp.rmdir(hostPath).catch(() => undefined); // only if we left it empty
    else await fsp.rm(hostPath, { force: true });
    return;
  }
  // Already as the snapshot says (the step failed before it changed anything, or
  // someone put it back): nothing is written, which also spares a read-only path.
  if (cur && (cur.mode & 0o7777) === snap.mode && cur.uid === snap.uid && cur.gid === snap.gid) {
    if (snap.kind === 'file' && cur.isFile() && sha256(await fsp.readFile(hostPath)) === snap.sha256) return;
    if (snap.kind === 'symlink' && cur.isSymbolicLink() && (await fsp.readlink(hostPath)) === snap.link) return;
    if (snap.kind === 'dir' && cur.isDirectory()) return;
  }
  if (snap.kind === 'file') {
    const data = await blobs.get(snap.sha256);
    const tmp = `${hostPath}.runnerguard-restore`;
    await fsp.writeFile(tmp, data, { mode: snap.mode });
    await fsp.chown(tmp, snap.uid, snap.gid);
    await fsp.chmod(tmp, snap.mode); // after chown: chown clears setuid/setgid bits
    const h = await fsp.open(tmp, 'r');
    await h.sync();
    await h.close();
    await fsp.rename(tmp, hostPath);
    return;
  }
  if (snap.kind === 'symlink') {
    if (cur) await fsp.rm(hostPath, { force: true });
    await fsp.symlink(snap.link!, hostPath);
    await fsp.lchown(hostPath, snap.uid, snap.gid);
    return;
  }
  if (snap.kind === 'dir' && !cur) await fsp.mkdir(hostPath, { recursive: true });
  await fsp.lchown(hostPath, snap.uid, snap.gid);
  await fsp.chmod(hostPath, snap.mode);
}

/** Ancestors of `hostPath` that do not exist yet, outermost first (a writeFile will create them). */
export async function missingParents(hostPath: string): Promise<string[]> {
  const out: string[] = [];
  let dir = path.dirname(hostPath);
  while ((await fsp.lstat(dir).catch(() => null)) === null) {
    out.unshift(dir);
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return out;
}
