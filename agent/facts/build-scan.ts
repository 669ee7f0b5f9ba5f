import path from 'node:path';
import { treeBytes, walk, type WalkStats } from '../util/walk.js';
import { defineFact, type FactEnv } from './index.js';
import { runnerDirsFact, type RunnerDir } from './runner-dirs.js';

export interface JobDir {
  /** Target path of the checkout (a dir holding `.git/`). */
  path: string;
  /** Newest of the dir's, its .git's and the git index/HEAD/FETCH_HEAD mtimes. */
  lastUsedMs: number;
  /** Total bytes below it, computed on demand (du -sb of the checkout). */
  bytes(): Promise<number>;
}

export interface CredentialFile {
  path: string;
  /** Where the confined walk reached it on this machine (no link in between). */
  hostPath: string;
}

export interface ScannedDir {
  dir: RunnerDir;
  exists: boolean;
  /** Oldest first. */
  jobDirs: JobDir[];
  credentialFiles: CredentialFile[];
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

/**
 * One walk of one runner dir. It needs less than du: names for everything,
 * a stat only for dirs and git stamps; sizes are summed later, and only for
 * the job dirs a check asks about (the old ones).
 */
export async function scanDir(env: FactEnv, dir: RunnerDir): Promise<ScannedDir> {
  const result: ScannedDir = { dir, exists: false, jobDirs: [], credentialFiles: [], unreadable: [], stats: { files: 0, dirs: 0, unreadable: 0 } };
  const st = await env.host.fs.stat(dir.path).catch(() => null);
  if (!st || st.kind !== 'dir') return result;
  result.exists = true;
  const start = await env.host.fs.hostPath(dir.path);
  const toTarget = (p: string) => path.join(dir.path, path.relative(start, p));
  const jobs = new Map<string, number>(); // checkout host path -> last used
  const dirMtime = new Map<string, number>();
  const bump = (job: string, ms: number) => jobs.set(job, Math.max(jobs.get(job) ?? 0, ms));
  result.stats = await walk(
    start,
    {
      entry(p, name, kind, stat) {
        const parent = path.dirname(p);
        const parentName = path.basename(parent);
        if (kind === 'dir') {
          const ms = stat()?.mtimeMs ?? 0;
          if (name === '.git') bump(parent, ms);
          else dirMtime.set(p, ms); // the checkout's own mtime, if p turns out to be one
          return true;
        }
        if (kind !== 'file') return undefined;
        if (parentName === '.git' && GIT_STAMPS.has(name)) bump(path.dirname(parent), stat()?.mtimeMs ?? 0);
        if (isCredentialFile(name, parentName)) result.credentialFiles.push({ path: toTarget(p), hostPath: p });
        return undefined;
      },
      unreadable(p, code) {
        result.unreadable.push(`${toTarget(p)} (${code})`);
      },
    },
    { label: 'scanning' },
  );
  result.jobDirs = [...jobs.entries()]
    .map(([host, last]) => {
      let bytes: Promise<number> | undefined;
      return { path: toTarget(host), lastUsedMs: Math.max(last, dirMtime.get(host) ?? 0), bytes: () => (bytes ??= treeBytes(host)) };
    })
    .sort((a, b) => a.lastUsedMs - b.lastUsedMs);
  return result;
}

/** Every runner dir walked once per audit, shared by the build-dir checks. */
export const buildScanFact = defineFact<ScannedDir[]>('build-scan', async (env) => {
  const dirs = await env.facts.get(runnerDirsFact);
  const out: ScannedDir[] = [];
  for (const d of dirs) out.push(await scanDir(env, d));
  return out;
});
