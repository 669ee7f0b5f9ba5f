import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
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
}

/**
 * One walk of `hostDir` (no link followed, one filesystem). Git takes a
 * `<file>.lock` for every write of the index, refs, config and packed-refs
 * and removes it when done; GitLab Runner and the Actions runner leave no
 * lock of their own in the checkout, so git's are the ones that count.
 */
export async function treeState(hostDir: string): Promise<TreeState> {
  const top = await fsp.lstat(hostDir);
  const out: TreeState = { mtimeMs: top.mtimeMs, newestMs: top.mtimeMs, newestPath: '.', bytes: 0, locks: [], inodes: new Set([`${top.dev}:${top.ino}`]) };
  await walk(hostDir, {
    entry({ rel, name, kind, stat }) {
      const st = stat();
      if (!st) return;
      out.inodes.add(`${st.dev}:${st.ino}`);
      if (kind !== 'dir') out.bytes += st.size;
      if (st.mtimeMs > out.newestMs) {
        out.newestMs = st.mtimeMs;
        out.newestPath = rel;
      }
      if (kind === 'file' && name.endsWith('.lock') && rel.split('/').includes('.git')) out.locks.push(rel);
    },
  });
  out.locks.sort();
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

/** Why the tree must stay, or null. */
async function whyKeep(step: RemoveTree, hostDir: string, live: boolean): Promise<string | null> {
  const st = await fsp.lstat(hostDir).catch(() => null);
  if (!st) return `${step.path} is gone already`;
  if (!st.isDirectory()) return `${step.path} is no longer a directory: left alone`;
  if (st.mtimeMs !== step.mtimeMs) return `${step.path} changed since the plan (a job may be using it): left alone`;
  const now = await treeState(hostDir);
  if (now.locks.length) return `${step.path} holds ${now.locks[0]}: a job may be running in it (or a crashed one left the lock): left alone`;
  if (step.newestMs !== undefined && now.newestMs > step.newestMs) return `${step.path}/${now.newestPath} changed since the plan (a job may be using it): left alone`;
  const users = live ? await processesUsing(now.inodes) : [];
  if (users.length) return `${step.path} is in use (${users.slice(0, 3).join(', ')}): left alone`;
  return null;
}

/**
 * Deletes a job dir unless something uses it. The dir is renamed aside
 * first: a job that starts now cannot open it by its path any more, and a
 * process found inside after the rename gets it back under its own name.
 */
export async function removeTreeGuarded(step: RemoveTree, hostDir: string, live: boolean): Promise<{ skipped: string } | { note: string }> {
  const why = await whyKeep(step, hostDir, live);
  if (why) return { skipped: why };
  const aside = `${hostDir}.runnerguard-deleting-${randomBytes(3).toString('hex')}`;
  try {
    await fsp.rename(hostDir, aside);
  } catch (err) {
    // A mount point (EBUSY) or a dir we may not rename is left, like one in use.
    return { skipped: `${step.path} cannot be moved aside for deletion (${(err as NodeJS.ErrnoException).code ?? String(err)}): left alone` };
  }
  if (live) {
    const users = await processesUsing((await treeState(aside)).inodes);
    if (users.length) {
      await fsp.rename(aside, hostDir);
      return { skipped: `${step.path} came into use while being deleted (${users.slice(0, 3).join(', ')}): left alone` };
    }
  }
  await fsp.rm(aside, { recursive: true, force: true });
  return { note: `deleted ${step.path} (${step.bytes} bytes)` };
}
