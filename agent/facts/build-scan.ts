import { lstatSync } from 'node:fs';
import { describeCode, isHostError } from '../host/index.js';
import { readRegularTextSync } from '../host/tree-fs.js';
import { Sample, Smallest } from '../util/bounded.js';
import { inspectCredentialFile, type Leak } from '../util/credential-leaks.js';
import { treeBytes, walk, type ListedDir, type WalkEntry, type WalkStats } from '../util/walk.js';
import { defineFact, type FactEnv } from './index.js';
import { GitlabLayout, layoutJobs } from './job-layout.js';
import { runnerDirsFact, type RunnerDir } from './runner-dirs.js';

/** Findings a scan keeps per kind (job dirs, leaks, read errors, unreadable dirs); the rest are counted. */
export const SCAN_SAMPLE = 100;
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

export interface CredentialLeak extends Leak {
  /** Target path of the file, escaped like JobDir.path. */
  path: string;
  exact: boolean;
  size: number;
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

const GIT_STAMPS = ['index', 'HEAD', 'FETCH_HEAD', 'ORIG_HEAD'];
const CREDENTIAL_NAMES = new Set(['.netrc', '_netrc', '.git-credentials', '.npmrc']);
/** Every file name isCredentialFile can say yes to: the walk visits only these files. */
const CREDENTIAL_FILE_NAMES: ReadonlySet<string> = new Set([...CREDENTIAL_NAMES, 'config', 'config.json']);

function isCredentialFile(name: string, parentName: string): boolean {
  if (CREDENTIAL_NAMES.has(name)) return true;
  if (name === 'config' && parentName === '.git') return true;
  return name === 'config.json' && parentName === '.docker';
}

/**
 * Newest mtime of a .git dir's stamps, read when the walk lists it: only
 * the stamps its listing holds are looked at, through its open handle (a
 * stamp swapped for a link is not a file and lends nothing).
 */
function newestStamp(git: ListedDir): number {
  let ms = 0;
  for (const s of GIT_STAMPS) {
    if (git.has(s) === false) continue;
    const st = lstatSync(`${git.path}/${s}`, { throwIfNoEntry: false });
    if (st?.isFile()) ms = Math.max(ms, st.mtimeMs);
  }
  return ms;
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
  const old = new Smallest<JobDir>(SCAN_SAMPLE, (j) => j.lastUsedMs);
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
  // followed inside this walk (a project is listed before its .git is); the
  // others' are shallow walks of their own.
  const gitlab = dir.kind === 'builds' ? new GitlabLayout() : null;
  const layout = gitlab ? gitlab.result : await layoutJobs(start, dir.kind, env.signal);
  /** The layout's job dir that is, or holds, this checkout (a nested repo is part of its job). */
  const layoutJobOf = (checkout: string) => {
    if (layout.jobs.size === 0) return undefined;
    const parts = checkout.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const j = layout.jobs.get(parts.slice(0, i).join('/'));
      if (j) return j;
    }
    return undefined;
  };
  const target = (e: WalkEntry) => `${base}/${e.rel}`;
  let oldCount = 0;
  /** Checkouts whose .git was met and not yet listed: rel of the .git -> exact. One judged when listed; one never listed is counted, not judged (the walk reports why). */
  const gits = new Map<string, boolean>();
  result.stats = await walk(
    start,
    {
      listed(d) {
        gitlab?.listed(d);
        if (d.name !== '.git') return;
        const rel = d.rel;
        const exact = gits.get(rel);
        if (exact === undefined) return;
        gits.delete(rel);
        // The checkout is the .git's parent: its own mtime, the .git's (both from the walk's fstat of their handles), the stamps'.
        const lastUsedMs = Math.max(d.parentMtimeMs ?? 0, d.mtimeMs, newestStamp(d));
        const checkout = rel === '.git' ? '' : rel.slice(0, -'/.git'.length);
        const owner = layoutJobOf(checkout);
        if (owner) {
          // Counted with its layout job dir, which its git stamps make younger.
          if (owner.rel === checkout) owner.lastUsedMs = Math.max(owner.lastUsedMs, lastUsedMs);
          return;
        }
        if (lastUsedMs < cutoffMs) {
          oldCount++;
          const path = checkout ? `${base}/${checkout}` : base;
          old.add({ path, exact, lastUsedMs, bytes: lazyBytes(env.host.fs.hostPath.bind(env.host.fs), path, exact) });
        }
      },
      entry(e) {
        gitlab?.entry(e);
        if (e.kind === 'dir') {
          if (e.name !== '.git') return true;
          const rel = e.rel;
          if (!layoutJobOf(rel === '.git' ? '' : rel.slice(0, -'/.git'.length))) result.jobs.count++;
          gits.set(rel, e.exact);
          return true;
        }
        if (e.kind !== 'file' || !isCredentialFile(e.name, e.parentName)) return undefined;
        result.credentials.files++;
        const shown = target(e);
        let text: string;
        try {
          text = readRegularTextSync(e.fsPath as string, shown, 1024 * 1024);
        } catch (err) {
          result.credentials.errors.add({ path: shown, error: `${shown}: ${isHostError(err) ? describeCode(err.code) : String(err)}` });
          return undefined;
        }
        const leak = inspectCredentialFile(shown, text);
        const size = Buffer.byteLength(text);
        if (leak) result.credentials.leaks.add({ ...leak, path: shown, exact: e.exact, size }, size);
        return undefined;
      },
      unreadable(rel, code) {
        result.unreadable.add(`${rel ? `${base}/${rel}` : base} (${code === 'ECHANGED' ? 'changed during the scan' : code})`);
      },
    },
    { label: 'scanning', signal: env.signal, fileNames: CREDENTIAL_FILE_NAMES },
  );
  if (layout.note) result.unreadable.add(`${base} (${layout.note})`);
  // A .git the walk met but could not list (swapped, unreadable, past the limits): its checkout is counted, and its
  // layout job is not judged old on the dir's mtime alone (its stamps are unknown; the walk's report says why).
  for (const rel of gits.keys()) {
    const owner = layoutJobOf(rel === '.git' ? '' : rel.slice(0, -'/.git'.length));
    if (owner) owner.lastUsedMs = Number.POSITIVE_INFINITY;
  }
  for (const j of layout.jobs.values()) {
    result.jobs.count++;
    if (j.lastUsedMs >= cutoffMs) continue;
    oldCount++;
    const path = `${base}/${j.rel}`;
    old.add({ path, exact: j.exact, lastUsedMs: j.lastUsedMs, bytes: lazyBytes(env.host.fs.hostPath.bind(env.host.fs), path, j.exact) });
  }
  const sample = new Sample<JobDir>(SCAN_SAMPLE);
  for (const j of old.sorted()) sample.add(j);
  sample.count = oldCount;
  result.jobs.old = sample;
  return result;
}

/** du -sb of a checkout, once, when asked (only the kept old ones ever are). */
function lazyBytes(hostPath: (p: string) => Promise<string>, path: string, exact: boolean): (signal?: AbortSignal) => Promise<number> {
  let bytes: Promise<number> | undefined;
  // An escaped path is not a real one: its size is unknown rather than a wrong tree's.
  return (signal) => (bytes ??= exact ? hostPath(path).then((h) => treeBytes(h, signal)) : Promise.resolve(0));
}

/** Every runner dir walked once per audit, shared by the build-dir checks. */
export const buildScanFact = defineFact<ScannedDir[]>('build-scan', async (env) => {
  const dirs = await env.facts.get(runnerDirsFact);
  const out: ScannedDir[] = [];
  for (const d of dirs) out.push(await scanDir(env, d));
  return out;
});
