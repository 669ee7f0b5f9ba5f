import { constants as C, promises as fsp, type Stats } from 'node:fs';
import path from 'node:path';

/**
 * "Root-controlled": what runnerguard may trust (its state dir, config,
 * journal, lock, spool, credentials). A path is root-controlled when it and
 * every directory above it are owned by uid 0 and writable by nobody else,
 * as OpenSSH's StrictModes and systemd's CHASE_SAFE judge it. A root-owned
 * sticky directory (/tmp, 1777) is safe *above* a path: others cannot rename
 * or delete root's entries in it. A symlink is followed only when root owns
 * it (its directory is checked already), and its target is judged the same
 * way. No other user can then change what the path names, so what was
 * checked is what is used.
 */

/** Linux's own limit on links followed in one resolution (MAXSYMLINKS). */
export const MAX_LINKS = 40;

export type Trust =
  /** `real`: the path with every link resolved (open this one, with O_NOFOLLOW). */
  | { ok: true; real: string }
  /** `path`: the offending entry; `missing`: it does not exist, and everything above it is root-controlled. */
  | { ok: false; path: string; reason: string; missing: boolean };

/**
 * EUNTRUSTED: not root-controlled; EEXPOSED: a secret others may read;
 * ENOENT, ENOTREG (not a regular file / directory), ETOOBIG, EIO (could not be examined).
 */
export type TrustCode = 'EUNTRUSTED' | 'EEXPOSED' | 'ENOENT' | 'ENOTREG' | 'ETOOBIG' | 'EIO';

const HINT = 'runnerguard uses it only when root owns it and every directory above it, and no other user can write them';

/** A refused state, config or credential path. The CLI exits 2 with the message. */
export class TrustError extends Error {
  override name = 'TrustError';
  constructor(
    readonly code: TrustCode,
    /** The path as configured. */
    readonly path: string,
    /** What it is for: "state_dir", "ca_file", "journal", ... */
    readonly what: string,
    /** Why, naming the offending entry, its owner and mode. */
    readonly reason: string,
  ) {
    super(`${what} ${shown(path)}: ${code === 'EUNTRUSTED' ? `not trusted: ${reason}; ${HINT}` : reason}`);
  }
}

/** Control characters (C0, DEL, C1) as \xNN: a path may come from a link a program made. */
export function shown(p: string): string {
  // eslint-disable-next-line no-control-regex
  return p.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function modeString(st: Stats): string {
  return (st.mode & 0o7777).toString(8).padStart(4, '0');
}

/** Why `st` (of `p`) may not be trusted; null when it may. A sticky root dir passes only as an ancestor. */
function problem(p: string, st: Stats, ancestor: boolean): string | null {
  if (st.isSymbolicLink()) return st.uid === 0 ? null : `${shown(p)} is a symlink owned by uid ${st.uid}`;
  if (st.uid !== 0) return `${shown(p)} is owned by uid ${st.uid} (mode ${modeString(st)})`;
  const w = st.mode & 0o022;
  if (w === 0 || (ancestor && st.isDirectory() && (st.mode & 0o1000) !== 0)) return null;
  const who = w === 0o022 ? 'group and others' : w === 0o020 ? 'group' : 'others';
  return `${shown(p)} is writable by ${who} (mode ${modeString(st)})`;
}

const parts = (p: string) => p.split('/').filter((s) => s !== '' && s !== '.');
const join = (dir: string, name: string) => (dir === '/' ? `/${name}` : `${dir}/${name}`);

async function lstat(p: string): Promise<Stats | NodeJS.ErrnoException> {
  return fsp.lstat(p).catch((err: NodeJS.ErrnoException) => err);
}

/**
 * Walks `p` component by component with lstat (never following), from "/".
 * `..` goes up from the directory actually reached, as the kernel does.
 */
export async function rootControlled(p: string): Promise<Trust> {
  const refused = (at: string, reason: string, missing = false): Trust => ({ ok: false, path: at, reason, missing });
  let todo = parts(path.isAbsolute(p) ? p : path.join(process.cwd(), p));
  let cur = '/';
  let links = 0;
  const top = await lstat('/');
  if (top instanceof Error) return refused('/', `/ cannot be examined: ${top.code}`);
  const bad = problem('/', top, true);
  if (bad) return refused('/', bad);
  while (todo.length > 0) {
    const name = todo.shift()!;
    if (name === '..') {
      cur = path.dirname(cur);
      continue;
    }
    const next = join(cur, name);
    const st = await lstat(next);
    if (st instanceof Error) {
      if (st.code === 'ENOENT') return refused(next, `${shown(next)} does not exist`, true);
      return refused(next, `${shown(next)} cannot be examined: ${st.code ?? st.message}`);
    }
    const why = problem(next, st, true);
    if (why) return refused(next, why);
    if (st.isSymbolicLink()) {
      if (++links > MAX_LINKS) return refused(next, `more than ${MAX_LINKS} symbolic links on the way to ${shown(p)}`);
      const target = await fsp.readlink(next).catch((err: NodeJS.ErrnoException) => err);
      if (target instanceof Error) return refused(next, `${shown(next)} cannot be examined: ${target.code ?? target.message}`);
      // Relative: from the link's directory (`cur`, already checked). Absolute: from "/" again.
      if (path.isAbsolute(target)) cur = '/';
      todo = [...parts(target), ...todo];
      continue;
    }
    if (todo.length > 0 && !st.isDirectory()) return refused(next, `${shown(next)} is not a directory`);
    cur = next;
  }
  // The end of the walk may be a directory passed above as a sticky ancestor: judged again as the target.
  const end = await lstat(cur);
  if (end instanceof Error) return refused(cur, `${shown(cur)} cannot be examined: ${end.code ?? end.message}`);
  const endWhy = problem(cur, end, false);
  return endWhy ? refused(cur, endWhy) : { ok: true, real: cur };
}

/** The real path of `p` when root-controlled; else a TrustError (EUNTRUSTED, or ENOENT when it does not exist). */
export async function assertRootControlled(p: string, what: string): Promise<string> {
  const t = await rootControlled(p);
  if (t.ok) return t.real;
  throw new TrustError(t.missing ? 'ENOENT' : 'EUNTRUSTED', p, what, t.missing ? `no such file or directory (${t.reason})` : t.reason);
}

/**
 * A root-controlled directory at `p`, made (0700, root) where it is missing,
 * one component at a time. An existing one that is not root-controlled is
 * refused, never "fixed": whoever made it may have left things inside.
 */
export async function ensureRootDir(p: string, what: string): Promise<string> {
  for (let i = 0; i < 4096; i++) {
    const t = await rootControlled(p);
    if (t.ok) {
      if (!(await fsp.lstat(t.real)).isDirectory()) throw new TrustError('ENOTREG', p, what, `${shown(t.real)} is not a directory`);
      return t.real;
    }
    if (!t.missing) throw new TrustError('EUNTRUSTED', p, what, t.reason);
    // Its parent is root-controlled: nobody else can make or swap this name. Someone racing us
    // in a sticky dir (/tmp) wins EEXIST, and the walk again refuses what they made.
    await fsp.mkdir(t.path, { mode: 0o700 }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw new TrustError('EIO', p, what, `${shown(t.path)} cannot be made: ${err.code ?? err.message}`);
    });
  }
  throw new TrustError('EIO', p, what, 'the path keeps changing');
}

export interface ReadOptions {
  /** Larger files are refused (ETOOBIG) without being read whole. */
  maxBytes: number;
  /** A key or token: also refused when group or others may read it (EEXPOSED). */
  secret?: boolean;
  /** The file itself may not be a link at all, not even root's (a spool entry): only the dirs above are walked. */
  noLink?: boolean;
}

/**
 * Reads a small root-controlled file: the path is walked (rootControlled),
 * then its real path (or with noLink, the name itself) opened with O_NOFOLLOW|O_NONBLOCK (a FIFO cannot block
 * us) and the handle itself checked: a regular file, uid 0, not group/other
 * writable, at most maxBytes.
 */
export async function readRootFile(p: string, what: string, o: ReadOptions): Promise<Buffer> {
  const real = o.noLink ? path.join(await assertRootControlled(path.dirname(p), what), path.basename(p)) : await assertRootControlled(p, what);
  if (o.noLink) {
    const st = await lstat(real);
    if (st instanceof Error) throw new TrustError(st.code === 'ENOENT' ? 'ENOENT' : 'EIO', p, what, st.code === 'ENOENT' ? 'no such file' : `cannot be examined: ${st.code}`);
    if (st.isSymbolicLink()) throw new TrustError('EUNTRUSTED', p, what, `${shown(real)} is a symlink owned by uid ${st.uid}`);
  }
  const h = await fsp.open(real, C.O_RDONLY | C.O_NOFOLLOW | C.O_NONBLOCK).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') throw new TrustError('ENOENT', p, what, 'no such file');
    if (err.code === 'ELOOP') throw new TrustError('EUNTRUSTED', p, what, `${shown(real)} became a symlink`);
    throw new TrustError('EIO', p, what, `cannot open: ${err.code ?? err.message}`);
  });
  try {
    const st = await h.stat();
    if (!st.isFile()) throw new TrustError('ENOTREG', p, what, `${shown(real)} is not a regular file`);
    const why = problem(real, st, false);
    if (why) throw new TrustError('EUNTRUSTED', p, what, why);
    if (o.secret && (st.mode & 0o077) !== 0) throw new TrustError('EEXPOSED', p, what, `readable by group/others (mode ${modeString(st)}); chmod 0600`);
    if (st.size > o.maxBytes) throw new TrustError('ETOOBIG', p, what, `too large (${st.size} bytes, at most ${o.maxBytes})`);
    // Read to EOF but never past maxBytes, whatever size fstat said (a root writer may be appending).
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(Math.min(Math.max(st.size - total, 0) + 1, o.maxBytes + 1 - total, 1 << 20) || 1);
      const { bytesRead } = await h.read(chunk, 0, chunk.length, total);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > o.maxBytes) throw new TrustError('ETOOBIG', p, what, `too large (more than ${o.maxBytes} bytes)`);
    }
    return Buffer.concat(chunks, total);
  } finally {
    await h.close();
  }
}
