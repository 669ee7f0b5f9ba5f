import { describeCode, isHostError, type Host } from '../host/index.js';
import { release, safeRootOf } from '../host/safe-path.js';
import { Sample, Smallest } from '../util/bounded.js';
import { treeBytes, type ListedDir, type WalkStats } from '../util/walk.js';
import { defineFact, type FactEnv } from './index.js';
import { GitlabLayout, layoutJobs } from './job-layout.js';
import { runnerDirsFact, type RunnerDir } from './runner-dirs.js';
import { addStats, ScanPool, scanPoolTesting, scanWorkers } from './scan-pool.js';
import { SCAN_SAMPLE, type CredentialLeak } from './scan-visitor.js';
import { TreeScan, type ScanUnit } from './tree-scan.js';

export { SCAN_SAMPLE, type CredentialLeak };

/** The default of `[checks.RG-BUILD-001] max_age_hours`: the scan sorts job dirs by it. */
export const DEFAULT_MAX_AGE_HOURS = 24;

export interface JobDir {
  /** Target path of the job dir (by the runner's layout, or any dir holding `.git/`), names escaped (`\xNN`) where not UTF-8. */
  path: string;
  /** The path is the real one (every name valid UTF-8): something may act on it. */
  exact: boolean;
  /** Newest of the dir's, its .git's and the git index/HEAD/FETCH_HEAD mtimes. */
  lastUsedMs: number;
  /** Total bytes below it, computed on demand (du -sb of the checkout); `signal` (the asking check's) stops that walk. */
  bytes(signal?: AbortSignal): Promise<number>;
}

export interface ScannedDir {
  dir: RunnerDir;
  exists: boolean;
  /** Why the dir could not be looked at ("permission denied"): neither present nor absent. */
  problem?: string;
  /** Checkouts seen, and the oldest of those unused since `cutoffMs` (oldest first, at most SCAN_SAMPLE). */
  jobs: { count: number; cutoffMs: number; old: Sample<JobDir> };
  /** Credential files read, and those holding a secret (the first SCAN_SAMPLE kept). */
  credentials: { files: number; leaks: Sample<CredentialLeak>; errors: Sample<{ path: string; error: string }> };
  /** Dirs not walked: "path (EACCES)" (the first SCAN_SAMPLE kept). */
  unreadable: Sample<string>;
  stats: WalkStats;
}

const maxAgeHours = (env: FactEnv) => {
  const v = env.config.checks['RG-BUILD-001']?.max_age_hours;
  return typeof v === 'number' ? v : DEFAULT_MAX_AGE_HOURS;
};

/**
 * One walk of one runner dir, streaming: a checkout is judged when its
 * `.git` is met (its stamps read right there), a credential file when it is
 * met; only counts and the first SCAN_SAMPLE of each kind are kept, so
 * memory does not grow with what a job writes. Names for everything, a stat
 * only for dirs and git stamps; sizes are summed later, and only for the
 * job dirs kept.
 */
export async function scanDir(env: FactEnv, dir: RunnerDir): Promise<ScannedDir> {
  const cutoffMs = env.now.getTime() - maxAgeHours(env) * 3600_000;
  const result: ScannedDir = {
    dir,
    exists: false,
    jobs: { count: 0, cutoffMs, old: new Sample(SCAN_SAMPLE) },
    credentials: { files: 0, leaks: new Sample(SCAN_SAMPLE), errors: new Sample(SCAN_SAMPLE) },
    unreadable: new Sample(SCAN_SAMPLE),
    stats: { files: 0, dirs: 0, unreadable: 0, aborted: false, notWalked: 0 },
  };
  let start: string;
  try {
    const st = await env.host.fs.stat(dir.path);
    if (!st || st.kind !== 'dir') return result;
    start = await env.host.fs.hostPath(dir.path);
  } catch (err) {
    // Unreadable is not absent: the dir may be there, full of what we look for.
    result.problem = `${dir.path}: ${isHostError(err) ? describeCode(err.code) : (err as Error).message}`;
    return result;
  }
  result.exists = true;
  const base = dir.path.replace(/\/+$/, '');
  // Job dirs by the runner's layout: a job dir need not hold .git. GitLab's is
  // followed inside this walk (a project is listed before its .git is), and
  // its job dirs and groups shared with worker threads; the others' are
  // shallow walks of their own.
  const gitlab = dir.kind === 'builds' ? new GitlabLayout() : null;
  const workers = gitlab ? scanWorkers(env.config.agent.scan_threads) : 0;
  let pool: ScanPool | null = null;
  const share = workers > 0 ? { threads: workers + 1, handOff: (d: ListedDir, unit: ScanUnit) => pool!.offer(d, unit) } : undefined;
  const scan = new TreeScan(base, cutoffMs, gitlab ?? (await layoutJobs(start, dir.kind, env.signal)), share);
  if (share) pool = new ScanPool(workers, base, cutoffMs, (r) => scan.merge(r), env.signal);
  if (pool && scanPoolTesting.warmFirst) await pool.warm();
  let stats: WalkStats | undefined;
  try {
    stats = await scan.run(start, env.signal);
  } finally {
    // Every part handed out is answered for (walked, or said lost) before the scan is judged.
    const more = pool ? await pool.finish() : null;
    if (stats && more) addStats(stats, more);
  }
  const found = scan.result(stats);
  result.stats = found.stats;
  result.credentials = found.tally.credentials;
  result.unreadable = found.tally.unreadable;
  if (found.note) result.unreadable.add(`${base} (${found.note})`);
    // Oldest first; of equal age, by path: the same sample whichever thread met them first.
  const old = new Smallest<JobDir>(SCAN_SAMPLE, (j) => j.lastUsedMs, (a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const c of found.old.items) {
    const path = c.rel ? `${base}/${c.rel}` : base;
    old.add({ path, exact: c.exact, lastUsedMs: c.lastUsedMs, bytes: lazyBytes(env.host, path, c.exact) });
  }
  let oldCount = found.old.count;
  result.jobs.count = found.tally.checkouts + found.jobs.length;
  for (const j of found.jobs) {
    if (j.lastUsedMs >= cutoffMs) continue;
    oldCount++;
    const path = `${base}/${j.rel}`;
    old.add({ path, exact: j.exact, lastUsedMs: j.lastUsedMs, bytes: lazyBytes(env.host, path, j.exact) });
  }
  const sample = new Sample<JobDir>(SCAN_SAMPLE);
  for (const j of old.sorted()) sample.add(j);
  sample.count = oldCount;
  result.jobs.old = sample;
  return result;
}

/**
 * du -sb of a job dir, once, when asked (only the kept old ones ever are).
 * Reached the way a remediation reaches it (agent/host/safe-path.ts: one
 * component at a time, no link a non-root user could make or swap is
 * followed) and walked from that handle: a job that swapped a dir of the
 * path for a link since the scan gets an error, never the size of what its
 * link points at.
 */
function lazyBytes(host: Host, path: string, exact: boolean): (signal?: AbortSignal) => Promise<number> {
  let bytes: Promise<number> | undefined;
  // An escaped path is not a real one: its size is unknown rather than a wrong tree's.
  return (signal) => (bytes ??= exact ? sizeAt(host, path, signal) : Promise.resolve(0));
}

async function sizeAt(host: Host, path: string, signal?: AbortSignal): Promise<number> {
  const h = safeRootOf(host).openDir(path);
  try {
    return await treeBytes({ fd: h.fd, dev: h.st.dev, ino: h.st.ino, shown: [], exact: true, parentMtimeMs: 0 }, signal);
  } finally {
    release(h);
  }
}

/** Every runner dir walked once per audit, shared by the build-dir checks. */
export const buildScanFact = defineFact<ScannedDir[]>('build-scan', async (env) => {
  const dirs = await env.facts.get(runnerDirsFact);
  const out: ScannedDir[] = [];
  for (const d of dirs) out.push(await scanDir(env, d));
  return out;
});
