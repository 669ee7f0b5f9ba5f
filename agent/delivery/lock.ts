import { promises as fsp, readFileSync } from 'node:fs';
import path from 'node:path';

export class LockBusy extends Error {
  readonly holder: string;
  constructor(holder: string) {
    super(`another runnerguard run holds the lock (${holder})`);
    this.name = 'LockBusy';
    this.holder = holder;
  }
}

/** Start time of a process (field 22 of /proc/PID/stat): tells a live holder from a recycled pid. */
function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/**
 * One run at a time across the timer, the daemon and a manual run: a lock file
 * created with O_EXCL holding "pid start-time command". A holder killed -9
 * leaves the file behind; its pid is then dead (or reused by another process
 * with another start time) and the lock is taken over.
 */
export async function acquireLock(stateDir: string, waitMs: number, what: string): Promise<() => Promise<void>> {
  const file = path.join(stateDir, 'run.lock');
  const me = `${process.pid} ${startTime(process.pid)} ${what}`;
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const h = await fsp.open(file, 'wx', 0o600);
      await h.writeFile(me);
      await h.close();
      return async () => {
        const now = await fsp.readFile(file, 'utf8').catch(() => '');
        if (now === me) await fsp.rm(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = (await fsp.readFile(file, 'utf8').catch(() => '')).trim();
    const [pid, started, ...cmd] = holder.split(' ');
    const alive = pid && /^\d+$/.test(pid) && startTime(Number(pid)) === started;
    if (!alive) {
      await fsp.rm(file, { force: true }); // stale: its holder is gone
      continue;
    }
    if (Date.now() >= deadline) throw new LockBusy(`pid ${pid}: ${cmd.join(' ') || 'unknown'}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
