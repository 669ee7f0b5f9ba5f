import { randomBytes } from 'node:crypto';
import { closeSync, promises as fsp } from 'node:fs';
import { at, lstatAt, pinOf, samePin, type Located, type Pin } from '../host/safe-path.js';
import { openPinned, removeTreeAt, renameWithin } from '../host/target-ops.js';
import { walk } from '../util/walk.js';
import type { Step } from './types.js';

/** What a tree holds that tells whether something still uses it. */
export interface TreeState {
  /** The dir's own mtime (what removeTree's `mtimeMs` compares). */
  mtimeMs: number;
  /** Newest mtime of the dir and of anything below it (a file written deep inside bumps no parent's mtime). */
  newestMs: number;
  /** Target-relative path of that newest entry, for messages. */
  newestPath: string;
  /** du -sb: bytes of every non-dir entry. */
  bytes: number;
  /** Git lock files (`.git/index.lock`, `.git/refs/heads/main.lock`, ...): git is (or was, and crashed) working in it. */
  locks: string[];
  /** dev:ino of every entry, to tell whether a process's cwd or open file is inside (paths differ across mount namespaces). */
  inodes: Set<string>;
  /** Why the walk did not see everything (an unreadable dir, too many entries to track): the tree is then kept. */
  incomplete?: string;
}

/** Entries whose identity is kept to match against processes: beyond it, deleting blind is refused. */
export const MAX_TRACKED_ENTRIES = 500_000;

/**
 * One walk of `hostDir` (no link followed, one filesystem). Git takes a
 * `<file>.lock` for every write of the index, refs, config and packed-refs
 * and removes it when done; GitLab Runner and the Actions runner leave no
 * lock of their own in the checkout, so git's are the ones that count.
 */
export async function treeState(hostDir: string): Promise<TreeState> {
  const top = await fsp.lstat(hostDir);
  const out: TreeState = { mtimeMs: top.mtimeMs, newestMs: top.mtimeMs, newestPath: '.', bytes: 0, locks: [], inodes: new Set([`${top.dev}:${top.ino}`]) };
  const seen = await walk(hostDir, {
    entry({ rel, name, kind, stat }) {
      const st = stat();
      if (!st) return;
      if (out.inodes.size < MAX_TRACKED_ENTRIES) out.inodes.add(`${st.dev}:${st.ino}`);
      else out.incomplete ??= `more than ${MAX_TRACKED_ENTRIES} entries, too many to check that no process uses one`;
      if (kind !== 'dir') out.bytes += st.size;
      if (st.mtimeMs > out.newestMs) {
        out.newestMs = st.mtimeMs;
        out.newestPath = rel;
      }
      if (kind === 'file' && name.endsWith('.lock') && rel.split('/').includes('.git')) out.locks.push(rel);
    },
  });
  out.locks.sort();
  // What the walk could not see may hold a lock or a fresh file.
  if (seen.unreadable > 0 || seen.aborted || seen.notWalked > 0) out.incomplete ??= `${seen.unreadable} unreadable dir(s) in it`;
  return out;
}

/** Processes (live host) whose cwd, executable or an open file is inside the tree. */
export async function processesUsing(inodes: Set<string>): Promise<string[]> {
  const pids = (await fsp.readdir('/proc').catch(() => [] as string[])).filter((n) => /^\d+$/.test(n) && Number(n) !== process.pid);
  const hits: string[] = [];
  const inside = async (link: string) => {
    const st = await fsp.stat(link).catch(() => null); // stat follows the magic link to the object itself
    return st !== null && inodes.has(`${st.dev}:${st.ino}`);
  };
  for (const pid of pids) {
    const fds = (await fsp.readdir(`/proc/${pid}/fd`).catch(() => [] as string[])).map((fd) => `/proc/${pid}/fd/${fd}`);
    for (const link of [`/proc/${pid}/cwd`, `/proc/${pid}/exe`, ...fds]) {
      if (await inside(link)) {
        const comm = (await fsp.readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '?')).trim();
        hits.push(`pid ${pid} ${comm}`);
        break;
      }
    }
  }
  return hits;
}

type RemoveTree = Extract<Step, { op: 'removeTree' }>;

/** The tree through a handle on the planned inode: a walk of it cannot be led elsewhere by a swapped path. */
async function stateOf(loc: Located, pin: Pin): Promise<TreeState> {
  const { fd } = openPinned(loc, pin);
  try {
    return await treeState(`/proc/self/fd/${fd}/.`);
  } finally {
    closeSync(fd);
  }
}

/** Why the tree must stay, or null. */
async function whyKeep(step: RemoveTree, loc: Located, live: boolean): Promise<string | null> {
  const st = lstatAt(loc);
  if (!st) return `${step.path} is gone already`;
  if (!st.isDirectory()) return `${step.path} is no longer a directory: left alone`;
  const pin = step.pin ?? pinOf(st);
  if (!samePin(st, pin)) return `${step.path} changed since the plan (another directory is at its name now): left alone`;
  if (st.mtimeMs !== step.mtimeMs) return `${step.path} changed since the plan (a job may be using it): left alone`;
  const now = await stateOf(loc, pin);
  if (now.incomplete) return `${step.path} could not be seen whole (${now.incomplete}): left alone`;
  if (now.locks.length) return `${step.path} holds ${now.locks[0]}: a job may be running in it (or a crashed one left the lock): left alone`;
  if (step.newestMs !== undefined && now.newestMs > step.newestMs) return `${step.path}/${now.newestPath} changed since the plan (a job may be using it): left alone`;
  const users = live ? await processesUsing(now.inodes) : [];
  if (users.length) return `${step.path} is in use (${users.slice(0, 3).join(', ')}): left alone`;
  return null;
}

/**
 * Deletes a job dir unless something uses it. The dir is renamed aside
 * first, by name in its held parent: a job that starts now cannot open it by
 * its path any more, and a process found inside after the rename gets it back
 * under its own name. What is renamed must still be the planned inode; the
 * deletion runs with the privileges of whoever owns the place (as-owner).
 */
export async function removeTreeGuarded(step: RemoveTree, loc: Located, live: boolean): Promise<{ skipped: string } | { note: string }> {
  const why = await whyKeep(step, loc, live);
  if (why) return { skipped: why };
  const pin = step.pin ?? pinOf(lstatAt(loc)!);
  const aside: Located = { ...loc, name: `${loc.name}.runnerguard-deleting-${randomBytes(3).toString('hex')}` };
  aside.at = at(loc.dir.fd, aside.name);
  aside.label = `${loc.label}.runnerguard-deleting`;
  try {
    await renameWithin(loc, aside.name);
  } catch (err) {
    // A mount point (EBUSY) or a dir we may not rename is left, like one in use.
    return { skipped: `${step.path} cannot be moved aside for deletion (${(err as NodeJS.ErrnoException).code ?? String(err)}): left alone` };
  }
  const putBack = async (why: string) => {
    await renameWithin(aside, loc.name).catch(() => undefined);
    return { skipped: why };
  };
  const moved = lstatAt(aside);
  if (!moved || !samePin(moved, pin)) return putBack(`${step.path} changed while being deleted (another entry was at its name): left alone`);
  if (live) {
    const users = await processesUsing((await stateOf(aside, pin)).inodes);
    if (users.length) return putBack(`${step.path} came into use while being deleted (${users.slice(0, 3).join(', ')}): left alone`);
  }
  await removeTreeAt(aside, pin);
  return { note: `deleted ${step.path} (${step.bytes} bytes)` };
}
