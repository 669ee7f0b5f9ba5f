import { constants as C, promises as fsp, readFileSync } from 'node:fs';
import path from 'node:path';
import { assertRootControlled, readRootFile, shown, TrustError } from '../host/trust.js';

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
 * What the lock file says, read only when it is a regular root-owned file
 * (O_NOFOLLOW, checked on the handle); null when there is none. A lock
 * someone else made is a TrustError (exit 2), never waited on: in a
 * root-controlled state dir only root can have made it, so one that is not
 * root's means the state dir was not always root's.
 */
async function readHolder(file: string): Promise<string | null> {
  try {
    return (await readRootFile(file, 'run.lock', { maxBytes: 4096 })).toString('utf8').trim();
  } catch (err) {
    if (err instanceof TrustError && err.code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * One run at a time across the timer, the daemon and a manual run: a lock file
 * created with O_EXCL holding "pid start-time command". A holder killed -9
 * leaves the file behind; its pid is then dead (or reused by another process
 * with another start time) and the lock is taken over. The state dir must be
 * root-controlled (checked here again): then nobody but root can plant or
 * hold a lock, and waiting is bounded by waitMs.
 */
export async function acquireLock(stateDir: string, waitMs: number, what: string): Promise<() => Promise<void>> {
  const dir = await assertRootControlled(stateDir, 'state_dir');
  const file = path.join(dir, 'run.lock');
  const me = `${process.pid} ${startTime(process.pid)} ${what}`;
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const h = await fsp.open(file, C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, 0o600);
      await h.writeFile(me);
      await h.close();
      return async () => {
        if ((await readHolder(file).catch(() => null)) === me) await fsp.rm(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = await readHolder(file);
    if (holder === null) continue; // released meanwhile
    const [pid, started, ...cmd] = holder.split(' ');
    const alive = pid && /^\d+$/.test(pid) && startTime(Number(pid)) === started;
    if (!alive) {
      await fsp.rm(file, { force: true }); // stale: its holder is gone
      continue;
    }
    if (Date.now() >= deadline) throw new LockBusy(`pid ${pid}: ${shown(cmd.join(' ')) || 'unknown'}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The daemon's cleanup after killing a cycle: the lock goes only when that child still holds it. */
export async function releaseLockOf(stateDir: string, pid: number): Promise<void> {
  const file = path.join(stateDir, 'run.lock');
  const holder = await readHolder(file).catch(() => null);
  if (holder?.startsWith(`${pid} `)) await fsp.rm(file, { force: true });
}
