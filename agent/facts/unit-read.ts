import { opendir } from 'node:fs/promises';
import { isHostError, type FileStat, type HostErrorCode, type HostFs } from '../host/index.js';
import { readRegularFile } from '../host/tree-fs.js';

/** A drop-in (or unit file) systemd applies whose content the facts cannot vouch for. */
export interface UnitIssue {
  path: string;
  /**
   * unread: systemd applies it, its content is unknown here (a link a user
   * made, too big, binary, not a regular file, unreadable); untrusted: read,
   * but a user other than root can rewrite it, so what it says now may not hold.
   */
  kind: 'unread' | 'untrusted';
  reason: string;
}

/** One unit file or drop-in as read: its text, masked (/dev/null or empty: contributes nothing), or an issue. */
export type ReadResult = { text: string; untrusted?: string } | { masked: true; untrusted?: string } | { unread: string; code?: HostErrorCode };

/** Drop-ins are a few lines; systemd has no limit, a job-written one may be any size. */
export const MAX_UNIT_BYTES = 1024 * 1024;
/** Entries listed per drop-in dir a user other than root can write (a root dir lists what root put there). */
export const MAX_DIR_ENTRIES = 1000;

const writable = (st: FileStat) => (st.mode & 0o022) !== 0;
const sticky = (st: FileStat) => (st.mode & 0o1000) !== 0;

/**
 * Who besides root can change what `dir` holds: null when root alone (it and
 * every dir above it owned by root, writable by no one else but a sticky
 * dir's owner). The answer names the first dir that is not.
 */
export async function dirControl(fs: HostFs, dir: string, cache = new Map<string, string | null>()): Promise<string | null> {
  if (cache.has(dir)) return cache.get(dir)!;
  let why: string | null = null;
  const st = await fs.stat(dir).catch(() => null);
  if (!st) why = `${dir} cannot be examined`;
  else if (st.uid !== 0) why = `${dir} is owned by uid ${st.uid}`;
  else if (writable(st) && !sticky(st)) why = `${dir} is writable by group or others (mode ${st.mode.toString(8).padStart(4, '0')})`;
  else if (dir !== '/') why = await dirControl(fs, dir.slice(0, dir.lastIndexOf('/')) || '/', cache);
  cache.set(dir, why);
  return why;
}

/** Whether `text` is not unit-file text: a NUL byte or invalid UTF-8 (what systemd does with either is not modelled here). */
function binary(data: Buffer): boolean {
  if (data.includes(0)) return true;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(data);
    return false;
  } catch {
    return true;
  }
}

/**
 * Reads one file systemd would read as unit text, without following a link
 * a user other than root made or could swap: a link is followed only when
 * root owns it and its dir is root's alone. Bounded by MAX_UNIT_BYTES.
 * A link to /dev/null, or an empty file, masks (systemd reads nothing).
 */
export async function readUnitText(fs: HostFs, file: string, cache = new Map<string, string | null>()): Promise<ReadResult | null> {
  const dir = file.slice(0, file.lastIndexOf('/')) || '/';
  let st: FileStat | null;
  try {
    st = await fs.lstat(file);
  } catch (err) {
    return { unread: `${file} cannot be examined (${isHostError(err) ? err.message : String(err)})` };
  }
  if (!st) return null;
  const dirWho = await dirControl(fs, dir, cache);
  let real: string | undefined;
  if (st.kind === 'symlink') {
    if (st.uid !== 0) return { unread: `${file} is a symlink owned by uid ${st.uid}: not followed` };
    if (dirWho) return { unread: `${file} is a symlink in a dir root does not control alone (${dirWho}): not followed` };
    real = (await fs.realpath(file).catch(() => null)) ?? undefined;
    if (real === '/dev/null') return { masked: true };
    const target = await fs.stat(file).catch(() => null);
    if (!target) return null; // a dangling link: systemd skips it too
    st = target;
  }
  if (st.kind !== 'file') return st.kind === 'dir' ? { unread: `${file}: is a directory`, code: 'EISDIR' } : { unread: `${file}: is not a regular file (${st.kind})`, code: 'ENOTREG' };
  const linked = real !== undefined && real !== file;
  const who = st.uid !== 0 ? `${linked ? `${real} (the target of ${file})` : file} is owned by uid ${st.uid}` : writable(st) ? `${file} is writable by group or others (mode ${st.mode.toString(8).padStart(4, '0')})` : (dirWho ?? (linked ? await linkTargetControl(fs, file, real!, cache) : null));
  const untrusted = who ? { untrusted: who } : {};
  if (st.size > MAX_UNIT_BYTES) return { unread: `${file} is ${st.size} bytes, more than the ${MAX_UNIT_BYTES}-byte limit: not read` };
  let data: Buffer;
  try {
    // Where another user can change the entry, it may be a link by the time it is opened: its dir is resolved
    // (root's entries up to it), the entry itself opened with O_NOFOLLOW, never through a link swapped in.
    const at = linked ? real! : file;
    data = who ? await readRegularFile(`${await fs.hostPath(at.slice(0, at.lastIndexOf('/')) || '/')}/${at.slice(at.lastIndexOf('/') + 1)}`, file, MAX_UNIT_BYTES) : await fs.readFile(file, { maxBytes: MAX_UNIT_BYTES });
  } catch (err) {
    if (isHostError(err, 'ENOENT')) return null;
    return { unread: isHostError(err, 'ETOOBIG') ? `${file} is more than the ${MAX_UNIT_BYTES}-byte limit: not read` : `${file} could not be read (${err instanceof Error ? err.message : String(err)})` };
  }
  if (data.length === 0) return { masked: true, ...untrusted };
  if (binary(data)) return { unread: `${file} holds a NUL byte or invalid UTF-8 (binary, not unit text): not read` };
  return { text: data.toString('utf8'), ...untrusted };
}

/** For a root link in a root dir: whether the dir of the file it resolves to is root's alone. */
async function linkTargetControl(fs: HostFs, file: string, real: string, cache: Map<string, string | null>): Promise<string | null> {
  const why = await dirControl(fs, real.slice(0, real.lastIndexOf('/')) || '/', cache);
  return why ? `${real} (the target of ${file}): ${why}` : null;
}

/**
 * The `*.conf` names in a drop-in dir. A dir root controls alone is listed
 * whole (root put its entries there); one another user can write is listed
 * up to MAX_DIR_ENTRIES, the rest an issue, so a job cannot make the audit
 * hold a million names. Null when there is no such dir.
 */
export async function listConfNames(fs: HostFs, dir: string, cache: Map<string, string | null>): Promise<{ names: string[]; issue?: UnitIssue } | null> {
  let st: FileStat | null;
  try {
    st = await fs.lstat(dir);
  } catch (err) {
    return { names: [], issue: { path: dir, kind: 'unread', reason: `${dir} cannot be examined (${err instanceof Error ? err.message : String(err)})` } };
  }
  if (!st) return null;
  const parent = dir.slice(0, dir.lastIndexOf('/')) || '/';
  if (st.kind === 'symlink') {
    const parentWho = await dirControl(fs, parent, cache);
    if (st.uid !== 0 || parentWho) return { names: [], issue: { path: dir, kind: 'unread', reason: `${dir} is a symlink ${st.uid !== 0 ? `owned by uid ${st.uid}` : `in a dir root does not control alone (${parentWho})`}: not followed` } };
    st = await fs.stat(dir).catch(() => null);
    if (!st) return null;
  }
  if (st.kind !== 'dir') return null; // systemd ignores a drop-in "dir" that is not one
  // A sticky dir others can write keeps root's entries root's, but anyone may add names: bounded like a job's.
  const who = (await dirControl(fs, dir, cache)) ?? (writable(st) ? `${dir} is writable by others (sticky)` : null);
  try {
    if (!who) return { names: (await fs.readdir(dir)).filter((e) => e.name.endsWith('.conf')).map((e) => e.name) };
    const names: string[] = [];
    const handle = await opendir(await fs.hostPath(dir));
    try {
      for (let seen = 0, e = await handle.read(); e; e = await handle.read()) {
        if (++seen > MAX_DIR_ENTRIES) return { names, issue: { path: dir, kind: 'unread', reason: `${dir} (${who}) holds more than ${MAX_DIR_ENTRIES} entries: the rest not read` } };
        if (e.name.endsWith('.conf')) names.push(e.name);
      }
    } finally {
      await handle.close().catch(() => {});
    }
    return { names };
  } catch (err) {
    if (isHostError(err, 'ENOENT') || (err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return { names: [], issue: { path: dir, kind: 'unread', reason: `${dir} could not be listed (${err instanceof Error ? err.message : String(err)})` } };
  }
}
