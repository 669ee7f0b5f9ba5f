import type { FactEnv } from './index.js';
import { processesFact } from './processes.js';

/** Entries listed per directory at most while looking for runner dirs: a home full of a job's dirs costs a bounded listing. */
const MAX_LISTED = 2000;
/** Where config.sh is run in practice: the docs' ~/actions-runner, /opt, /srv, and the official image's /home/runner (the runner's home itself). */
const TOP_DIRS = ['/', '/opt', '/srv', '/var/lib', '/home', '/root'];

/** How an Actions runner dir was found, and what it says about who runs it. */
export type RunnerDirOrigin =
  | { kind: 'unit' }
  | { kind: 'config' }
  | { kind: 'process'; pid: number; euid: number }
  | { kind: 'scan' };

async function dirsIn(env: FactEnv, dir: string): Promise<string[]> {
  try {
    const entries = await env.host.fs.readdir(dir);
    // Links are not followed: a job's link to /root/actions-runner is not a runner dir of its user's.
    return entries
      .slice(0, MAX_LISTED)
      .filter((e) => e.kind === 'dir')
      .map((e) => `${dir === '/' ? '' : dir}/${e.name}`);
  } catch {
    return [];
  }
}

async function hasRunnerFile(env: FactEnv, dir: string): Promise<boolean> {
  const st = await env.host.fs.lstat(`${dir}/.runner`).catch(() => null);
  return st?.kind === 'file';
}

/**
 * Runner dirs no unit names: a configured runner (a `.runner` file, as
 * config.sh writes it) in a top dir, one level below it, or in a user's
 * home and one level below (~/actions-runner); and on a live host the dir
 * of every running Runner.Listener (`<dir>/bin/Runner.Listener`), with the
 * uid it runs as. Bounded: a fixed set of places, a capped listing each.
 */
export async function discoverRunnerDirs(env: FactEnv): Promise<Map<string, RunnerDirOrigin>> {
  const found = new Map<string, RunnerDirOrigin>();
  for (const p of await env.facts.get(processesFact)) {
    const exe = p.argv[0] ?? '';
    const m = /^(\/.*)\/bin\/Runner\.Listener$/.exec(exe);
    if (m && !found.has(m[1]!)) found.set(m[1]!, { kind: 'process', pid: p.pid, euid: p.euid });
  }
  const users = await env.host.users();
  const homes = users.users.map((u) => u.home).filter((h) => h && h !== '/' && h.startsWith('/'));
  const places = new Set<string>();
  for (const top of TOP_DIRS) for (const d of await dirsIn(env, top)) places.add(d);
  for (const h of homes.slice(0, MAX_LISTED)) {
    places.add(h.replace(/\/+$/, ''));
    for (const d of await dirsIn(env, h.replace(/\/+$/, ''))) places.add(d);
  }
  for (const d of places) {
    if (env.signal.aborted) break;
    if (!found.has(d) && (await hasRunnerFile(env, d))) found.set(d, { kind: 'scan' });
  }
  return found;
}
