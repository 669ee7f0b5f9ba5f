import { promises as fsp } from 'node:fs';
import { defineFact } from './index.js';

export interface ActiveJobs {
  /** Processes by working directory (live host only). */
  processes: Array<{ pid: number; cwd: string; comm: string }>;
  /** Names of running GitLab job containers (`runner-<token>-project-...`). */
  containers: string[];
  /** Why part of the picture is missing (docker not answering, ...). */
  notes: string[];
}

/**
 * What is running right now, to tell a leftover build dir from one a job is
 * using. Offline there is nothing running: a mounted image runs no jobs.
 */
export const activeJobsFact = defineFact<ActiveJobs>('active-jobs', async (env) => {
  const out: ActiveJobs = { processes: [], containers: [], notes: [] };
  if (!env.host.live) return out;
  const pids = (await fsp.readdir('/proc').catch(() => [] as string[])).filter((n) => /^\d+$/.test(n));
  await Promise.all(
    pids.map(async (pid) => {
      const cwd = await fsp.readlink(`/proc/${pid}/cwd`).catch(() => null);
      if (!cwd || cwd === '/') return;
      const comm = (await fsp.readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim();
      out.processes.push({ pid: Number(pid), cwd, comm });
    }),
  );
  if (await env.host.fs.exists('/usr/bin/docker')) {
    const r = await env.host.exec(['docker', 'ps', '--format', '{{.Names}}'], { timeoutMs: 5000 });
    if (r.failure || r.exitCode !== 0) out.notes.push(`docker ps: ${r.message ?? r.stderr.trim().split('\n')[0] ?? `exit ${r.exitCode}`}`);
    else out.containers = r.stdout.split('\n').filter((n) => n.startsWith('runner-'));
  }
  return out;
});

/** Processes whose working directory is inside `dir` (a target path on the live host). */
export function jobsIn(active: ActiveJobs, dir: string): Array<{ pid: number; cwd: string; comm: string }> {
  const prefix = dir.replace(/\/+$/, '') + '/';
  return active.processes.filter((p) => p.cwd === dir || p.cwd.startsWith(prefix));
}
