import { closeSync, constants, fstatSync, lstatSync, openSync, readlinkSync, type Stats } from 'node:fs';
import path from 'node:path';
import { kindOf } from './tree-fs.js';
import type { FileKind, Host } from './types.js';

// The one boundary every write, delete, chmod, chown, rename and restore goes
// through. Node has no openat(), but /proc/self/fd/<dirfd>/<name> resolves
// <name> relative to the held directory (the magic link is the directory
// itself, not a path), and keeps paths short however deep the tree is.

const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
const MAX_LINKS = 40; // Linux's own limit

export type SafePathCode = 'ELINK' | 'ENOENT' | 'ENOTDIR' | 'ELOOP' | 'ECHANGED' | 'EOWNER' | 'EIO';

/** Why a target was not acted on; `path` is the target path concerned. */
export class SafePathError extends Error {
  readonly code: SafePathCode;
  readonly path: string;
  /** ELINK: who made the link (what a job named through it is acted on as). */
  readonly owner?: Actor;
  constructor(code: SafePathCode, p: string, message: string, owner?: Actor) {
    super(message);
    this.name = 'SafePathError';
    this.code = code;
    this.path = p;
    this.owner = owner;
  }
}

export const isSafePathError = (e: unknown): e is SafePathError => e instanceof SafePathError;

/** Whose privileges an action takes: null is root itself. */
export interface Actor {
  uid: number;
  gid: number;
  /** The directory that made it so, for messages ("/home/gitlab-runner is owned by uid 999"). */
  why: string;
}

/** A directory held open, reached without following any link a non-root user could make. */
export interface DirHandle {
  fd: number;
  /** Its target path, for messages. */
  label: string;
  /**
   * Root owns it and no other user can write it (a root sticky dir such as
   * /tmp counts). Every act is relative to the handle, so the directories
   * above, once walked, cannot redirect it.
   */
  rootControlled: boolean;
  /** Who else could change what is in it (null: nobody but root). */
  actor: Actor | null;
  st: Stats;
}

/** An entry of a held directory: acted on by name, relative to the handle. */
export interface Located {
  dir: DirHandle;
  name: string;
  /** The target path. */
  label: string;
  /** The entry's path through the handle (valid while `dir` is open). */
  at: string;
  /**
   * A ceiling on privileges set by the caller: the location came from a file
   * a job can write (a `.runner` workFolder), so even a root-controlled
   * place is acted on as that file's owner.
   */
  actAs?: Actor;
}

/** What a plan records of a target, checked again against the handle at apply and rollback time. */
export interface Pin {
  dev: number;
  ino: number;
  kind: FileKind;
  uid: number;
}

export const at = (fd: number, name: string) => `/proc/self/fd/${fd}/${name}`;

export function pinOf(st: Stats): Pin {
  return { dev: st.dev, ino: st.ino, kind: kindOf(st), uid: st.uid };
}

export function samePin(st: Stats, pin: Pin): boolean {
  return st.dev === pin.dev && st.ino === pin.ino && kindOf(st) === pin.kind && st.uid === pin.uid;
}

const othersWrite = (st: Stats) => (st.mode & 0o022) !== 0;
const sticky = (st: Stats) => (st.mode & 0o1000) !== 0;
const modeStr = (m: number) => (m & 0o7777).toString(8).padStart(4, '0');
const NOBODY = 65534;

/** Whether a directory keeps root-control: root owns it and others cannot write it (a root sticky dir such as /tmp counts). */
export function keepsRootControl(st: Stats): boolean {
  return st.uid === 0 && (!othersWrite(st) || sticky(st));
}

/** Who besides root may change the entries of directory `st` (null: nobody). */
function dirActor(st: Stats, label: string): Actor | null {
  if (st.uid !== 0) return { uid: st.uid, gid: st.gid, why: `${label} is owned by uid ${st.uid}` };
  if (othersWrite(st) && !sticky(st)) return { uid: NOBODY, gid: NOBODY, why: `${label} is writable by others (mode ${modeStr(st.mode)})` };
  return null;
}

function components(p: string): string[] {
  if (!p.startsWith('/')) throw new SafePathError('ENOENT', p, `${p}: not an absolute target path`);
  return p.split('/').filter((c) => c !== '' && c !== '.');
}

const join = (label: string, name: string) => (label === '/' ? `/${name}` : `${label}/${name}`);

/**
 * The target root, held open. Paths are target paths ("/etc/ssh"); `..`
 * and absolute links stay inside the root, as in a chroot.
 */
export class SafeRoot {
  readonly root: string;
  private top: DirHandle | undefined;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  /** The root directory itself: the admin named it, so it is trusted as given; its control is judged from / down. */
  private rootHandle(): DirHandle {
    if (this.top) return this.top;
    const fd = openSync(this.root, constants.O_RDONLY | constants.O_DIRECTORY);
    const st = fstatSync(fd);
    this.top = { fd, label: '/', rootControlled: keepsRootControl(st), actor: dirActor(st, '/'), st };
    return this.top;
  }

  close(): void {
    if (this.top) closeSync(this.top.fd);
    this.top = undefined;
  }

  /**
   * Opens directory `target`, component by component, each relative to the
   * one held before, never following a link unless root owns it and the
   * directory it sits in is root-controlled (a link anyone else could make or
   * swap is refused). The caller closes the handle (`release`).
   */
  openDir(target: string): DirHandle {
    const pending = components(target);
    const stack: DirHandle[] = [this.rootHandle()];
    let links = 0;
    try {
      while (pending.length > 0) {
        const name = pending.shift()!;
        const cur = stack[stack.length - 1]!;
        if (name === '..') {
          if (stack.length > 1) release(stack.pop()!);
          continue;
        }
        const label = join(cur.label, name);
        let fd: number;
        try {
          fd = openSync(at(cur.fd, name), DIR_FLAGS);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') throw new SafePathError('ENOENT', label, `${label} does not exist`);
          if (code !== 'ELOOP' && code !== 'ENOTDIR') throw new SafePathError('EIO', label, `${label}: ${code ?? String(err)}`);
          const st = lstatSync(at(cur.fd, name), { throwIfNoEntry: false });
          // A directory now, a link a moment ago: someone is swapping it.
          if (!st || st.isDirectory()) throw new SafePathError('ECHANGED', label, `${label} changed while being reached (a link and a directory swapped): left alone`);
          if (!st.isSymbolicLink()) throw new SafePathError('ENOTDIR', label, `${label} is not a directory (${kindOf(st)})`);
          if (st.uid !== 0 || !cur.rootControlled) {
            const owner = st.uid !== 0 ? { uid: st.uid, gid: st.gid, why: `${label} is a symlink owned by uid ${st.uid}` } : (cur.actor ?? undefined);
            throw new SafePathError('ELINK', label, `${label} is a symlink ${st.uid !== 0 ? `owned by uid ${st.uid}` : `in ${cur.label}, which ${cur.actor?.why ?? 'others can change'}`}: not followed`, owner);
          }
          if (++links > MAX_LINKS) throw new SafePathError('ELOOP', label, `${label}: too many levels of symbolic links`);
          const to = readlinkSync(at(cur.fd, name));
          if (to.startsWith('/')) while (stack.length > 1) release(stack.pop()!);
          pending.unshift(...to.split('/').filter((c) => c !== '' && c !== '.'));
          continue;
        }
        const st = fstatSync(fd);
        // Held by its handle, a directory's entries are changed by whoever may write that directory, whatever
        // happens to the path above it later: its control is its own, not its ancestors'.
        stack.push({ fd, label, rootControlled: keepsRootControl(st), actor: dirActor(st, label), st });
      }
      const out = stack.pop()!;
      // The root handle is shared: give the caller a handle of its own.
      return out === this.top ? { ...out, fd: openSync(at(out.fd, '.'), DIR_FLAGS) } : out;
    } finally {
      for (const h of stack) if (h !== this.top) release(h);
    }
  }

  /** The parent of `target`, held open, and the last component, not followed. */
  locate(target: string): Located {
    const parts = components(target);
    const name = parts.pop();
    if (name === undefined || name === '..') throw new SafePathError('ENOENT', target, `${target}: not a path to act on`);
    const dir = this.openDir(`/${parts.join('/')}`);
    return { dir, name, label: join(dir.label, name), at: at(dir.fd, name) };
  }
}

export function release(h: DirHandle): void {
  try {
    closeSync(h.fd);
  } catch {
    // already closed
  }
}

/** lstat of the entry itself (a link is not followed); null when there is none. */
export function lstatAt(loc: Located): Stats | null {
  return lstatSync(loc.at, { throwIfNoEntry: false }) ?? null;
}

/** Throws ECHANGED unless the entry is what the plan saw. */
export function checkPin(loc: Located, st: Stats | null, pin: Pin | undefined): void {
  if (!pin) return;
  if (!st || !samePin(st, pin)) {
    const now = st ? `${kindOf(st)} ${st.dev}:${st.ino} of uid ${st.uid}` : 'nothing';
    throw new SafePathError('ECHANGED', loc.label, `${loc.label} changed since the plan (was ${pin.kind} ${pin.dev}:${pin.ino} of uid ${pin.uid}, now ${now}): left alone`);
  }
}

export { modeStr };

const roots = new WeakMap<Host, SafeRoot>();

/** The held root of a host's target (one per host object). */
export function safeRootOf(host: Host): SafeRoot {
  let r = roots.get(host);
  if (!r) roots.set(host, (r = new SafeRoot(host.root)));
  return r;
}

/** Runs `fn` with the target's parent held open; the handle is closed after. */
export async function withTarget<T>(host: Host, target: string, fn: (loc: Located) => Promise<T> | T, actAs?: Actor): Promise<T> {
  const loc = safeRootOf(host).locate(path.posix.normalize(target));
  if (actAs) loc.actAs = actAs;
  try {
    return await fn(loc);
  } finally {
    release(loc.dir);
  }
}

/**
 * Who could have written the file at `target`: null when root alone could (a
 * root-owned file, not group/other-writable, in a root-controlled directory).
 * A location read from a file someone else could write is theirs to name, so
 * acting on it takes their privileges, not root's. Unreachable or missing:
 * nobody's (65534), never root.
 */
export async function writerOf(host: Host, target: string, depth = 0): Promise<Actor | null> {
  try {
    const r = await withTarget(host, target, (loc): Actor | null | string => {
      const st = lstatAt(loc);
      if (!st) return { uid: NOBODY, gid: NOBODY, why: `${loc.label} does not exist` };
      // A link root made where only root writes: judge what it points to.
      if (st.isSymbolicLink() && st.uid === 0 && loc.dir.rootControlled && depth < MAX_LINKS) return readlinkSync(loc.at);
      if (st.uid !== 0) return { uid: st.uid, gid: st.gid, why: `${loc.label} is owned by uid ${st.uid}` };
      if (othersWrite(st)) return { uid: NOBODY, gid: NOBODY, why: `${loc.label} is writable by others (mode ${modeStr(st.mode)})` };
      return loc.dir.rootControlled ? null : loc.dir.actor;
    });
    if (typeof r !== 'string') return r;
    return writerOf(host, r.startsWith('/') ? r : path.posix.join(path.posix.dirname(path.posix.normalize(target)), r), depth + 1);
  } catch (err) {
    return { uid: NOBODY, gid: NOBODY, why: `${target} cannot be reached safely (${(err as Error).message})` };
  }
}
