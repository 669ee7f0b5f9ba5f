import path from 'node:path';
import { walk, type WalkStats } from '../util/walk.js';
import { defineFact, type FactEnv } from './index.js';
import { runnerDirsFact, type RunnerDir } from './runner-dirs.js';

export interface JobDir {
  /** Target path of the checkout (a dir holding `.git/`). */
  path: string;
  /** Newest of the dir's, its .git's and the git index/HEAD/FETCH_HEAD mtimes. */
  lastUsedMs: number;
  bytes: number;
}

export interface ScannedDir {
  dir: RunnerDir;
  exists: boolean;
  jobDirs: JobDir[];
  /** Target paths of files that may hold credentials, by their place and name. */
  credentialFiles: string[];
  unreadable: string[];
  stats: WalkStats;
}

const GIT_STAMPS = new Set(['index', 'HEAD', 'FETCH_HEAD', 'ORIG_HEAD']);
const CREDENTIAL_NAMES = new Set(['.netrc', '_netrc', '.git-credentials', '.npmrc']);

function isCredentialFile(name: string, parentName: string): boolean {
  if (CREDENTIAL_NAMES.has(name)) return true;
  if (name === 'config' && parentName === '.git') return true;
  return name === 'config.json' && parentName === '.docker';
}

/** One walk of one runner dir: job dirs with age and size, credential candidates. */
export async function scanDir(env: FactEnv, dir: RunnerDir): Promise<ScannedDir> {
  const result: ScannedDir = { dir, exists: false, jobDirs: [], credentialFiles: [], unreadable: [], stats: { files: 0, dirs: 0, bytes: 0, unreadable: 0 } };
  const st = await env.host.fs.stat(dir.path).catch(() => null);
  if (!st || st.kind !== 'dir') return result;
  result.exists = true;
  const start = await env.host.fs.hostPath(dir.path);
  const toTarget = (p: string) => path.join(dir.path, path.relative(start, p));
  // Bytes per directory, attributed to job dirs once the walk knows which dirs are checkouts.
  const ownBytes = new Map<string, number>();
  const lastUsed = new Map<string, number>();
  const bump = (job: string, ms: number) => lastUsed.set(job, Math.max(lastUsed.get(job) ?? 0, ms));
  result.stats = await walk(
    start,
    {
      entry(p, name, s) {
        const parent = path.dirname(p);
        const parentName = path.basename(parent);
        if (s.isDirectory()) {
          if (name === '.git') {
            bump(parent, s.mtimeMs);
          } else {
            bump(p, s.mtimeMs); // kept only if p turns out to be a checkout
          }
          return true;
        }
        ownBytes.set(parent, (ownBytes.get(parent) ?? 0) + s.size);
        if (parentName === '.git' && GIT_STAMPS.has(name)) bump(path.dirname(parent), s.mtimeMs);
        if (s.isFile() && isCredentialFile(name, parentName)) result.credentialFiles.push(toTarget(p));
        return true;
      },
      unreadable(p, code) {
        result.unreadable.push(`${toTarget(p)} (${code})`);
      },
    },
    { label: 'scanning' },
  );
  // A checkout is a dir whose `.git` is a directory; lastUsed has entries for every dir, keep those.
  const jobs = new Map<string, JobDir>();
  for (const [d] of ownBytes) {
    if (path.basename(d) === '.git') jobs.set(path.dirname(d), { path: path.dirname(d), lastUsedMs: lastUsed.get(path.dirname(d)) ?? 0, bytes: 0 });
  }
  for (const [d, bytes] of ownBytes) {
    for (let cur = d; cur.length >= start.length; cur = path.dirname(cur)) {
      const job = jobs.get(cur);
      if (job) {
        job.bytes += bytes;
        break;
      }
      if (cur === start) break;
    }
  }
  result.jobDirs = [...jobs.values()].map((j) => ({ ...j, path: toTarget(j.path) })).sort((a, b) => a.lastUsedMs - b.lastUsedMs);
  return result;
}

/** Every runner dir walked once per audit, shared by the build-dir checks. */
export const buildScanFact = defineFact<ScannedDir[]>('build-scan', async (env) => {
  const dirs = await env.facts.get(runnerDirsFact);
  const out: ScannedDir[] = [];
  for (const d of dirs) out.push(await scanDir(env, d));
  return out;
});
