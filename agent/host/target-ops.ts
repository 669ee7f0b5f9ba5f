import { randomBytes } from 'node:crypto';
import { closeSync, constants, fchmodSync, fchownSync, fstatSync, fsyncSync, lstatSync, mkdirSync, openSync, readSync, renameSync, rmdirSync, symlinkSync, lchownSync, unlinkSync, writeSync, chmodSync, type Stats } from 'node:fs';
import { atomicWrite } from '../util/atomic-write.js';
import { asOwner, OwnerError, removeTreeAsOwner } from './as-owner.js';
import { kindOf } from './tree-fs.js';
import path from 'node:path';
import { at, checkPin, lstatAt, release, SafePathError, SafeRoot, type Actor, type Located, type Pin } from './safe-path.js';

// What the remediation engine does to a target, each act through a held
// directory (safe-path.ts). Root acts itself only in root-controlled
// directories; elsewhere the directory's owner does, in a child process. On a
// pinned inode, held open with O_NOFOLLOW, root may read, chmod and chown:
// the handle is the planned file, whatever the path says now.

const FILE_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** Who must act on entries of this directory (null: root may). */
export const actorOf = (loc: Located): Actor | null => loc.actAs ?? (loc.dir.rootControlled ? null : loc.dir.actor);

/** Opens the entry itself (never a link), checks the pin; the caller closes the fd. */
export function openPinned(loc: Located, pin?: Pin): { fd: number; st: Stats } {
  let fd: number;
  try {
    fd = openSync(loc.at, FILE_FLAGS);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new SafePathError('ELINK', loc.label, `${loc.label} is a symlink: not followed`);
    if (code === 'ENOENT') throw new SafePathError('ENOENT', loc.label, `${loc.label} does not exist`);
    throw new SafePathError('EIO', loc.label, `${loc.label}: ${code ?? String(err)}`);
  }
  const st = fstatSync(fd);
  try {
    checkPin(loc, st, pin);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  return { fd, st };
}

/** A regular file, read through the held handle, bounded. */
export function readPinned(loc: Located, pin?: Pin, max = 16 * 1024 * 1024): { data: Buffer; st: Stats } {
  const { fd, st } = openPinned(loc, pin);
  try {
    if (!st.isFile()) throw new SafePathError('ENOTDIR', loc.label, `${loc.label} is not a regular file (${kindOf(st)})`);
    if (st.size > max) throw new SafePathError('EIO', loc.label, `${loc.label}: ${st.size} bytes, over the ${max}-byte limit`);
    const buf = Buffer.allocUnsafe(st.size + 1);
    let n = 0;
    for (let r; n < buf.length && (r = readSync(fd, buf, n, buf.length - n, null)) > 0; ) n += r;
    if (n > st.size) throw new SafePathError('ECHANGED', loc.label, `${loc.label} grew while being read: left alone`);
    return { data: buf.subarray(0, n), st };
  } finally {
    closeSync(fd);
  }
}

/** In a directory others can write, a file with a second name could be anyone's (a hard link): refused. */
function assertSingleLink(loc: Located, st: Stats): void {
  if (actorOf(loc) && st.isFile() && st.nlink !== 1) throw new SafePathError('ECHANGED', loc.label, `${loc.label} has ${st.nlink} hard links in a directory ${loc.dir.actor?.why ?? 'others can write'}: left alone`);
}

export async function chmodAt(loc: Located, mode: number, pin?: Pin): Promise<void> {
  const st = lstatAt(loc);
  if (st?.isSocket()) return chmodByName(loc, st, mode, pin);
  const h = openPinned(loc, pin);
  try {
    assertSingleLink(loc, h.st);
    fchmodSync(h.fd, mode);
  } finally {
    closeSync(h.fd);
  }
}

/** Sockets cannot be opened: by name, as root where nobody else can swap the entry, else as the owner. */
async function chmodByName(loc: Located, st: Stats, mode: number, pin?: Pin): Promise<void> {
  checkPin(loc, st, pin);
  // chmod(2) follows a link: in a sticky dir (/tmp) an entry's owner may still swap it, so that owner acts.
  const sticky = (loc.dir.st.mode & 0o1000) !== 0 && st.uid !== 0;
  const actor = actorOf(loc) ?? (sticky ? { uid: st.uid, gid: st.gid, why: `${loc.label} is owned by uid ${st.uid} in a sticky dir` } : null);
  if (!actor) return chmodSync(loc.at, mode);
  const r = await asOwner(actor, loc.dir.fd, { op: 'chmod', name: loc.name, mode, dev: st.dev, ino: st.ino });
  if (r.changed) checkPin(loc, null, { dev: st.dev, ino: st.ino, kind: kindOf(st), uid: st.uid });
}

/** chown, then the mode again (chown clears setuid/setgid bits). */
export async function chownAt(loc: Located, uid: number, gid: number, pin?: Pin): Promise<void> {
  const st = lstatAt(loc);
  if (st?.isSocket()) {
    if (actorOf(loc)) throw new SafePathError('EIO', loc.label, `${loc.label}: a socket in a directory ${loc.dir.actor?.why}: its owner is not changed`);
    checkPin(loc, st, pin);
    lchownSync(loc.at, uid, gid);
    chmodSync(loc.at, st.mode & 0o7777);
    return;
  }
  const h = openPinned(loc, pin);
  try {
    assertSingleLink(loc, h.st);
    fchownSync(h.fd, uid, gid);
    fchmodSync(h.fd, h.st.mode & 0o7777);
  } finally {
    closeSync(h.fd);
  }
}

export interface WriteOptions {
  mode: number;
  uid: number;
  gid: number;
  /** Create only: fail if anything is at the name now (a restore into a directory as it is now). */
  exclusive?: boolean;
}

/**
 * Writes `data` as the entry: a fresh temp file (O_EXCL, never a planted
 * name), fsync, rename over, fsync of the directory. In a directory another
 * user controls, that user writes it; root then gives the new inode the owner
 * and mode asked for, through a handle on that very inode.
 */
export async function writeAt(loc: Located, data: Buffer | string, o: WriteOptions): Promise<void> {
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  const actor = actorOf(loc);
  if (actor) {
    let r;
    try {
      r = await asOwner(actor, loc.dir.fd, { op: 'write', name: loc.name, mode: o.mode, exclusive: o.exclusive }, buf);
    } catch (err) {
      if (err instanceof OwnerError && err.code === 'EEXIST') throw new SafePathError('ECHANGED', loc.label, `${loc.label} exists again: left as it is`);
      throw err;
    }
    if ((o.uid !== actor.uid || o.gid !== actor.gid) && r.ino !== undefined) {
      const h = openPinned(loc, { dev: r.dev!, ino: r.ino, kind: 'file', uid: actor.uid });
      try {
        assertSingleLink(loc, h.st);
        fchownSync(h.fd, o.uid, o.gid);
        fchmodSync(h.fd, o.mode);
      } finally {
        closeSync(h.fd);
      }
    }
    return;
  }
  const name = o.exclusive ? loc.name : `.${loc.name}.${randomBytes(6).toString('hex')}.rg-tmp`;
  let fd: number;
  try {
    fd = openSync(at(loc.dir.fd, name), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new SafePathError('ECHANGED', loc.label, `${loc.label} exists again: left as it is`);
    throw err;
  }
  try {
    writeSync(fd, buf);
    fchownSync(fd, o.uid, o.gid);
    fchmodSync(fd, o.mode); // after chown: chown clears setuid/setgid bits
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(at(loc.dir.fd, name));
    throw err;
  }
  closeSync(fd);
  if (!o.exclusive) renameSync(at(loc.dir.fd, name), loc.at);
  fsyncSync(loc.dir.fd);
}

/** Removes a file or link entry, only if it is still the pinned inode. */
export async function unlinkAt(loc: Located, pin: Pin): Promise<void> {
  const st = lstatAt(loc);
  checkPin(loc, st, pin);
  const actor = actorOf(loc);
  if (!actor) return unlinkSync(loc.at);
  const r = await asOwner(actor, loc.dir.fd, { op: 'unlink', name: loc.name, dev: pin.dev, ino: pin.ino });
  if (r.changed) checkPin(loc, lstatAt(loc), pin);
}

export async function rmdirAt(loc: Located): Promise<void> {
  const actor = actorOf(loc);
  if (!actor) return rmdirSync(loc.at);
  await asOwner(actor, loc.dir.fd, { op: 'rmdir', name: loc.name });
}

export async function mkdirAt(loc: Located, mode: number, uid = 0, gid = 0): Promise<void> {
  const actor = actorOf(loc);
  if (actor) return void (await asOwner(actor, loc.dir.fd, { op: 'mkdir', name: loc.name, mode }));
  mkdirSync(loc.at, mode);
  const st = lstatSync(loc.at);
  if (!st.isDirectory()) throw new SafePathError('ECHANGED', loc.label, `${loc.label} is not the directory just made`);
  lchownSync(loc.at, uid, gid);
  chmodSync(loc.at, mode);
}

/** A symlink root makes (a unit's *.wants link); only where nobody else can write. */
export function symlinkAt(loc: Located, to: string, uid = 0, gid = 0): void {
  if (actorOf(loc)) throw new SafePathError('EOWNER', loc.label, `${loc.label}: no link is made in a directory ${loc.dir.actor?.why}`);
  symlinkSync(to, loc.at);
  lchownSync(loc.at, uid, gid);
}

/** Renames an entry within its directory (the name only: nothing is followed). */
export async function renameWithin(loc: Located, to: string): Promise<void> {
  const actor = actorOf(loc);
  if (!actor) return renameSync(loc.at, at(loc.dir.fd, to));
  await asOwner(actor, loc.dir.fd, { op: 'rename', from: loc.name, to });
}

/**
 * Deletes the tree at `name` (renamed aside already) with the privileges of
 * its top directory's owner, in a directory root alone controls, or of the
 * directory's actor elsewhere. Root deletes only a root-owned tree in a
 * root-controlled place. An owner who may not remove the emptied top entry
 * (root's directory) leaves it to root's rmdir, which removes only empty dirs.
 */
export async function removeTreeAt(loc: Located, pin: Pin): Promise<void> {
  const st = lstatAt(loc);
  checkPin(loc, st, pin);
  const actor = actorOf(loc) ?? (pin.uid !== 0 ? { uid: pin.uid, gid: st!.gid, why: `${loc.label} is owned by uid ${pin.uid}` } : null);
  if (!actor) {
    await removeTreeAsOwner({ uid: 0, gid: 0, why: 'root-controlled' }, loc.dir.fd, loc.name);
    return;
  }
  try {
    await removeTreeAsOwner(actor, loc.dir.fd, loc.name);
  } catch (err) {
    // The owner emptied it but may not remove the entry from root's directory: root does (rmdir: empty dirs only, pinned).
    if (actorOf(loc) || !lstatAt(loc)?.isDirectory()) throw err;
    checkPin(loc, lstatAt(loc), pin);
    try {
      rmdirSync(loc.at);
    } catch {
      throw err;
    }
  }
}

let live: SafeRoot | undefined;

/**
 * Writes a file of ours on this machine (a report named by --output, the
 * node_exporter textfile) through the same layer: its directory reached
 * without following a link another user made (/var/lib/prometheus is the
 * prometheus user's), the file owned by root with `mode`.
 */
export async function writeLiveFile(file: string, data: string | Buffer, mode: number): Promise<void> {
  // Not root: no privilege to turn against anyone; the caller's own rights decide.
  if (process.getuid?.() !== 0) return atomicWrite(file, data, { mode });
  live ??= new SafeRoot('/');
  const loc = live.locate(path.resolve(file));
  try {
    await writeAt(loc, data, { mode, uid: 0, gid: 0 });
  } finally {
    release(loc.dir);
  }
}
