import { closeSync, constants, fstatSync, openSync, promises as fsp, readSync, type Dirent, type Stats } from 'node:fs';
import path from 'node:path';
import { HostError, fromNodeError } from './errors.js';
import type { DirEntry, FileKind, FileStat, HostFs, ReadOptions } from './types.js';

const MAX_SYMLINKS = 40; // Linux's own limit
const DEFAULT_MAX_BYTES = 4 * 1024 * 1024;

export function kindOf(s: Stats | Dirent): FileKind {
  if (s.isFile()) return 'file';
  if (s.isDirectory()) return 'dir';
  if (s.isSymbolicLink()) return 'symlink';
  if (s.isSocket()) return 'socket';
  if (s.isFIFO()) return 'fifo';
  if (s.isBlockDevice()) return 'block';
  if (s.isCharacterDevice()) return 'char';
  return 'other';
}

export function toFileStat(s: Stats): FileStat {
  return {
    kind: kindOf(s),
    mode: s.mode & 0o7777,
    uid: s.uid,
    gid: s.gid,
    size: s.size,
    mtimeMs: s.mtimeMs,
    dev: s.dev,
    ino: s.ino,
  };
}

/** Splits a target path into components, refusing relative paths and `..`. */
function components(p: string): string[] {
  if (!p.startsWith('/')) throw new HostError('ESCAPE', p, `${p}: not an absolute target path`);
  const parts = p.split('/').filter((c) => c !== '' && c !== '.');
  if (parts.includes('..')) throw new HostError('ESCAPE', p, `${p}: ".." is not allowed in target paths`);
  return parts;
}

/**
 * Filesystem access under `root`. Symlinks are resolved by hand with `root`
 * as "/", so an absolute link inside an image points into the image, and a
 * link that climbs above the root is refused rather than followed.
 */
export class TreeFs implements HostFs {
  readonly root: string;
  private readonly native: boolean;

  constructor(root: string) {
    this.root = path.resolve(root);
    // On the live root the kernel's own resolution is exact and faster.
    this.native = this.root === '/';
  }

  private onHost(parts: string[]): string {
    return path.join(this.root, ...parts);
  }

  /** Resolves `p` to target components; the last one is left alone when !followLast. */
  private async resolve(p: string, followLast: boolean): Promise<string[]> {
    const pending = components(p);
    if (this.native) {
      if (!followLast || pending.length === 0) return pending;
      try {
        return components(await fsp.realpath('/' + pending.join('/')));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') return pending;
        throw fromNodeError(err, p);
      }
    }
    const done: string[] = [];
    let links = 0;
    while (pending.length > 0) {
      const name = pending.shift()!;
      if (name === '..') {
        if (done.length === 0) throw new HostError('ESCAPE', p, `${p}: a symlink resolves outside the target root`);
        done.pop();
        continue;
      }
      if (pending.length === 0 && !followLast) {
        done.push(name);
        break;
      }
      let st: Stats;
      try {
        st = await fsp.lstat(this.onHost([...done, name]));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') return [...done, name, ...pending];
        throw fromNodeError(err, p);
      }
      if (!st.isSymbolicLink()) {
        done.push(name);
        continue;
      }
      if (++links > MAX_SYMLINKS) throw new HostError('ELOOP', p, `${p}: too many levels of symbolic links`);
      const target = await fsp.readlink(this.onHost([...done, name]));
      const parts = target.split('/').filter((c) => c !== '' && c !== '.');
      if (target.startsWith('/')) done.length = 0;
      pending.unshift(...parts);
    }
    return done;
  }

  async hostPath(p: string): Promise<string> {
    return this.onHost(await this.resolve(p, true));
  }

  async realpath(p: string): Promise<string> {
    return '/' + (await this.resolve(p, true)).join('/');
  }

  async stat(p: string): Promise<FileStat | null> {
    return this.statWith(p, true);
  }

  async lstat(p: string): Promise<FileStat | null> {
    return this.statWith(p, false);
  }

  private async statWith(p: string, follow: boolean): Promise<FileStat | null> {
    const parts = await this.resolve(p, follow);
    try {
      return toFileStat(await fsp.lstat(this.onHost(parts)));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return null;
      throw fromNodeError(err, p);
    }
  }

  async exists(p: string): Promise<boolean> {
    try {
      return (await this.stat(p)) !== null;
    } catch {
      return false;
    }
  }

  async readdir(p: string): Promise<DirEntry[]> {
    const real = await this.hostPath(p);
    try {
      const entries = await fsp.readdir(real, { withFileTypes: true });
      return entries.map((e) => ({ name: e.name, kind: kindOf(e) }));
    } catch (err) {
      throw fromNodeError(err, p);
    }
  }

  async readFile(p: string, opts: ReadOptions = {}): Promise<Buffer> {
    return readRegularFile(await this.hostPath(p), p, opts.maxBytes ?? DEFAULT_MAX_BYTES);
  }

  async readText(p: string, opts: ReadOptions = {}): Promise<string> {
    return readRegularText(await this.hostPath(p), p, opts.maxBytes ?? DEFAULT_MAX_BYTES);
  }
}

/**
 * Reads a regular file at a path on this machine that a confined walk already
 * reached (no link in between), bounded by `max` bytes. `label` is the target
 * path used in errors. Never blocks on a FIFO, never follows a last-component link.
 */
export async function readRegularFile(real: string, label: string, max = DEFAULT_MAX_BYTES): Promise<Buffer> {
  let handle: fsp.FileHandle;
  try {
    // O_NONBLOCK: opening a FIFO planted where a config should be must not hang.
    handle = await fsp.open(real, OPEN_FLAGS);
  } catch (err) {
    throw fromNodeError(err, label);
  }
  try {
    const st = await handle.stat();
    assertReadable(st, label, max);
    // Read through EOF rather than trusting st.size (procfs and growing files).
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      // Sized to the file (plus one byte to see EOF or growth): small files stay small in memory.
      const want = st.size > 0 && total === 0 ? st.size + 1 : 64 * 1024;
      const buf = Buffer.allocUnsafe(Math.min(want, max + 1 - total));
      const { bytesRead } = await handle.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      chunks.push(buf.subarray(0, bytesRead));
      total += bytesRead;
      if (total > max) throw new HostError('ETOOBIG', label, `${label}: larger than the ${max}-byte limit`);
    }
    return Buffer.concat(chunks, total);
  } catch (err) {
    throw fromNodeError(err, label);
  } finally {
    await handle.close();
  }
}

const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

function assertReadable(st: Stats, label: string, max: number): void {
  if (st.isDirectory()) throw new HostError('EISDIR', label, `${label}: is a directory, expected a file`);
  if (!st.isFile()) throw new HostError('ENOTREG', label, `${label}: is not a regular file (${kindOf(st)})`);
  if (st.size > max) throw new HostError('ETOOBIG', label, `${label}: ${st.size} bytes, larger than the ${max}-byte limit`);
}

/**
 * The synchronous twin of readRegularText, for many small files found by a
 * walk (a promise and a 64 KiB buffer per file cost more than the read).
 */
export function readRegularTextSync(real: string, label: string, max = DEFAULT_MAX_BYTES): string {
  let fd: number;
  try {
    fd = openSync(real, OPEN_FLAGS);
  } catch (err) {
    throw fromNodeError(err, label);
  }
  try {
    const st = fstatSync(fd);
    assertReadable(st, label, max);
    const buf = Buffer.allocUnsafe(Math.min(st.size + 1, max + 1));
    let total = 0;
    for (let n; total < buf.length && (n = readSync(fd, buf, total, buf.length - total, null)) > 0; ) total += n;
    if (total > max) throw new HostError('ETOOBIG', label, `${label}: larger than the ${max}-byte limit`);
    const text = buf.toString('utf8', 0, total);
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } catch (err) {
    throw fromNodeError(err, label);
  } finally {
    closeSync(fd);
  }
}

/** readRegularFile as UTF-8 text, without a leading BOM (files from Windows tools). */
export async function readRegularText(real: string, label: string, max = DEFAULT_MAX_BYTES): Promise<string> {
  const text = (await readRegularFile(real, label, max)).toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
