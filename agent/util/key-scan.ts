import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { fingerprint } from '../engine/redact.js';
import { isHostError, type HostFs } from '../host/index.js';
import { detectPrivateKey, KEY_HEAD_BYTES, type KeyInfo } from './private-key.js';
import { Sample } from './bounded.js';
import { walk } from './walk.js';

/** Where to look, and what counts there. */
export interface ScanRoot {
  /** Target path of a directory. */
  path: string;
  /** `all`: every key counts; `others-readable`: only files with the o+r bit. */
  scope: 'all' | 'others-readable';
  /** Why a key here is stray ("in the home of runner user gitlab-runner"). */
  why: string;
}

export interface FoundKey {
  /** Target path, names escaped (`\xNN`) where not UTF-8. */
  path: string;
  /** The path is the real one (every name valid UTF-8). */
  exact: boolean;
  key: KeyInfo;
  /** First 12 hex of SHA-256 of the whole file. */
  fingerprint: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  reasons: string[];
}

export interface KeyScan {
  /** The first MAX_KEPT keys found, and how many in all (a job can write a million). */
  keys: Sample<FoundKey>;
  /** Roots walked: target path, why, files in scope there. */
  walked: Array<{ path: string; why: string; files: number }>;
  /** Dirs and files that could not be read ("path (EACCES)"), and roots that could not be reached. */
  unreadable: Sample<string>;
  /** Regular files skipped by size alone (larger than any key file). */
  tooBig: number;
  /** The signal stopped the scan: some of it was not seen. */
  aborted: boolean;
  /** Dirs not walked (left when stopped, or over the walk's pending limit). */
  notWalked: number;
}

/** Keys and unreadable paths kept; the rest are counted. */
export const MAX_KEPT = 100;
/** Hard-linked key files remembered to report each inode once; past this, a key with many links may count twice. */
const MAX_SEEN_LINKED = 10_000;

/** No key file is this large (RSA-16384 in PEM is ~13 KiB); bigger files are skipped unopened. */
export const MAX_KEY_FILE_BYTES = 64 * 1024;
/** Nor this small (an Ed25519 PKCS#8 file is 119 bytes). */
const MIN_KEY_FILE_BYTES = 64;
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** Reads the start of a regular file reached by the walk into `buf`; null when it is no longer one. */
function readInto(fsPath: string | Buffer, buf: Buffer): Buffer | null {
  const fd = openSync(fsPath as string, OPEN_FLAGS);
  try {
    if (!fstatSync(fd).isFile()) return null;
    let total = 0;
    for (let n; total < buf.length && (n = readSync(fd, buf, total, buf.length - total, null)) > 0; ) total += n;
    return buf.subarray(0, total);
  } finally {
    closeSync(fd);
  }
}

const modeStr = (m: number) => m.toString(8).padStart(4, '0');

interface Resolved extends ScanRoot {
  target: string;
  host: string;
  id: string;
}

/** Resolves roots inside the target; merges roots that are the same dir ('all' wins). */
async function resolveRoots(fs: HostFs, roots: ScanRoot[], unreadable: Sample<string>): Promise<Resolved[]> {
  const byId = new Map<string, Resolved>();
  for (const r of roots) {
    let st;
    try {
      st = await fs.stat(r.path);
    } catch (err) {
      unreadable.add(`${r.path} (${isHostError(err) ? err.code : 'EIO'})`);
      continue;
    }
    if (!st || st.kind !== 'dir') continue;
    const id = `${st.dev}:${st.ino}`;
    const prev = byId.get(id);
    if (prev) {
      if (r.scope === 'all' && prev.scope !== 'all') byId.set(id, { ...prev, scope: 'all', why: r.why });
      continue;
    }
    try {
      byId.set(id, { ...r, target: await fs.realpath(r.path), host: await fs.hostPath(r.path), id });
    } catch (err) {
      unreadable.add(`${r.path} (${isHostError(err) ? err.code : 'EIO'})`);
    }
  }
  // Whole-tree roots first, so a key is reported with its strongest reason.
  return [...byId.values()].sort((a, b) => (a.scope === b.scope ? 0 : a.scope === 'all' ? -1 : 1));
}

/** Whether every dir from / down to `target` has the o+x bit, so others can reach what is inside. */
async function searchableByOthers(fs: HostFs, target: string): Promise<boolean | { unreadable: string }> {
  const parts = target.split('/').filter(Boolean);
  for (let i = 0; i <= parts.length; i++) {
    const dir = '/' + parts.slice(0, i).join('/');
    let st;
    try {
      st = await fs.stat(dir);
    } catch (err) {
      // Not knowing is not "not searchable": the tree would be skipped unseen.
      return { unreadable: `${dir} (${isHostError(err) ? err.code : 'EIO'})` };
    }
    if (!st || (st.mode & 0o001) === 0) return false;
  }
  return true;
}

/**
 * Walks each root once (no link following, one filesystem, unreadable dirs
 * noted) and reports files whose content is a private key. A walk stops at
 * a dir that is another root's start: that root is walked on its own, with
 * its own scope. Only files of key size are opened, and only their head read.
 */
export async function scanForKeys(fs: HostFs, roots: ScanRoot[], signal?: AbortSignal): Promise<KeyScan> {
  const result: KeyScan = { keys: new Sample(MAX_KEPT), walked: [], unreadable: new Sample(MAX_KEPT), tooBig: 0, aborted: false, notWalked: 0 };
  const resolved = await resolveRoots(fs, roots, result.unreadable);
  const starts = new Set(resolved.map((r) => r.id));
  const seen = new Set<string>();
  // One buffer for every head: the walk reads files one at a time, synchronously.
  const headBuf = Buffer.allocUnsafe(KEY_HEAD_BYTES);
  for (const root of resolved) {
    const searchable = root.scope === 'others-readable' ? await searchableByOthers(fs, root.target) : true;
    if (typeof searchable === 'object') {
      result.unreadable.add(searchable.unreadable);
      continue;
    }
    if (!searchable) {
      result.walked.push({ path: root.target, why: `${root.why}; not searchable by others, nothing in it is readable by them`, files: 0 });
      continue;
    }
    const base = root.target.replace(/\/+$/, '');
    const toTarget = (rel: string) => (rel ? `${base}/${rel}` : base || '/');
    let files = 0;
    const stats = await walk(
      root.host,
      {
        entry({ rel, kind, stat, fsPath: p, exact }) {
          const st = stat();
          if (!st) return undefined;
          // Others can read a file only through dirs they can search (o+x): prune the rest.
          if (kind === 'dir') return !starts.has(`${st.dev}:${st.ino}`) && (root.scope === 'all' || (st.mode & 0o001) !== 0);
          if (kind !== 'file') return undefined;
          const othersRead = (st.mode & 0o004) !== 0;
          if (root.scope === 'others-readable' && !othersRead) return undefined;
          files++;
          if (st.size > MAX_KEY_FILE_BYTES) {
            result.tooBig++;
            return undefined;
          }
          if (st.size < MIN_KEY_FILE_BYTES || (st.nlink > 1 && seen.has(`${st.dev}:${st.ino}`))) return undefined;
          let head: Buffer | null;
          try {
            head = readInto(p, headBuf);
          } catch (err) {
            result.unreadable.add(`${toTarget(rel)} (${(err as NodeJS.ErrnoException).code ?? 'EIO'})`);
            return undefined;
          }
          const key = head && detectPrivateKey(head);
          if (!key) return undefined;
          // Only a file with other links can be met again: remember those (bounded), not every key.
          if (st.nlink > 1 && seen.size < MAX_SEEN_LINKED) seen.add(`${st.dev}:${st.ino}`);
          let whole = Buffer.from(head!);
          if (whole.length >= KEY_HEAD_BYTES) {
            try {
              whole = Buffer.from(readInto(p, Buffer.allocUnsafe(MAX_KEY_FILE_BYTES)) ?? whole);
            } catch {
              // the head was readable a moment ago; fingerprint what we have
            }
          }
          const reasons = root.scope === 'all' ? [root.why] : [];
          if (othersRead) reasons.push(`readable by others (mode ${modeStr(st.mode & 0o7777)})`);
          result.keys.add({
            path: toTarget(rel),
            exact,
            key,
            fingerprint: fingerprint(whole.toString('utf8')),
            mode: st.mode & 0o7777,
            uid: st.uid,
            gid: st.gid,
            size: st.size,
            reasons,
          });
          return undefined;
        },
        unreadable(rel, code) {
          result.unreadable.add(`${toTarget(rel)} (${code === 'ECHANGED' ? 'changed during the scan' : code})`);
        },
      },
      { label: 'key scan', signal },
    );
    result.notWalked += stats.notWalked;
    result.walked.push({ path: root.target, why: root.why, files });
    if (stats.aborted) {
      result.aborted = true;
      break;
    }
  }
  return result;
}
