import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { ensureRootDir, readRootFile, TrustError } from '../host/trust.js';
import { atomicWrite } from '../util/atomic-write.js';
import { listEntries, SPOOL_NAME, type SpoolEntry } from './spool-dir.js';

export type { SpoolEntry } from './spool-dir.js';

export interface SpoolLimits {
  maxReports: number;
  maxBytes: number;
}

/** `[report] rejected_max_reports` / `rejected_max_bytes` by default (agent/config/schema.ts holds the same). */
export const DEFAULT_REJECTED_LIMITS: SpoolLimits = { maxReports: 100, maxBytes: 10 * 1024 * 1024 };

/** Far above any report (spool_max_bytes is for all of them): a bound on what one read may cost. */
export const MAX_ENTRY_BYTES = 64 * 1024 * 1024;
let counter = 0;

const reasonName = (name: string) => `${name}.reason`;

/** What `--retry-rejected` did: moved back into the spool, or left in rejected/ and why. */
export interface RestoreResult {
  moved: SpoolEntry[];
  refused: Array<{ entry: SpoolEntry; reason: string }>;
}

/**
 * Reports waiting for the collector, one file each, oldest first by name.
 * A file appears whole or not at all (temp file, fsync, rename), so a kill at
 * any point leaves either the old spool or the new one. Reports the
 * collector refused for good wait in spool/rejected/, bounded like the spool
 * itself (oldest dropped first), until `deliver --retry-rejected`.
 */
export class Spool {
  readonly dir: string;
  readonly rejectedDir: string;
  private readonly droppedFile: string;
  private readonly rejectedDroppedFile: string;
  private readonly failedFile: string;

  constructor(
    stateDir: string,
    private readonly rejectedLimits: SpoolLimits = DEFAULT_REJECTED_LIMITS,
  ) {
    this.dir = path.join(stateDir, 'spool');
    this.rejectedDir = path.join(stateDir, 'spool', 'rejected');
    this.droppedFile = path.join(stateDir, 'reports-dropped');
    this.rejectedDroppedFile = path.join(stateDir, 'rejected-dropped');
    this.failedFile = path.join(stateDir, 'delivery-failed');
  }

  /** Whether the last delivery run ended on a retryable failure (the collector down or shedding load). */
  async lastDeliveryFailed(): Promise<boolean> {
    return (await fsp.lstat(this.failedFile).catch(() => null)) !== null;
  }

  /** Records how the delivery run ended: the next one splays first after a failure (agent/delivery/drain.ts). */
  async setDeliveryFailed(failed: boolean): Promise<void> {
    if (failed) await atomicWrite(this.failedFile, `${new Date().toISOString()}\n`, { mode: 0o600 });
    else await fsp.rm(this.failedFile, { force: true });
  }

  /** spool/ and spool/rejected/, made root-only where missing; refused (TrustError) when not root-controlled. */
  async init(): Promise<void> {
    await ensureRootDir(this.rejectedDir, 'spool');
  }

  async add(id: string, body: string): Promise<string> {
    await this.init();
    const name = `${String(Date.now()).padStart(13, '0')}-${String(counter++ % 1e6).padStart(6, '0')}-${id}.json`;
    await atomicWrite(path.join(this.dir, name), body, { mode: 0o600 });
    return name;
  }

  /** Spooled reports, oldest first (a link is listed as what it is; read() refuses it before a byte is sent). */
  async list(): Promise<SpoolEntry[]> {
    return listEntries(this.dir, 'spool');
  }

  /** Reports in spool/rejected/, oldest first; `bytes` counts each with its reason file. */
  async listRejected(): Promise<SpoolEntry[]> {
    return listEntries(this.rejectedDir, 'spool', reasonName);
  }

  /**
   * One report, read only when it is a regular file (not a link, not even
   * root's) that root owns and only root can write (opened O_NOFOLLOW,
   * checked on the handle). Anything else
   * is a TrustError: the caller sets it aside unsent.
   */
  async read(entry: SpoolEntry): Promise<string> {
    return (await readRootFile(entry.path, 'spool entry', { maxBytes: MAX_ENTRY_BYTES, noLink: true })).toString('utf8');
  }

  idOf(entry: SpoolEntry): string {
    return SPOOL_NAME.exec(entry.name)![3]!;
  }

  async remove(entry: SpoolEntry): Promise<void> {
    await fsp.rm(entry.path, { force: true });
  }

  /**
   * Sets a report aside (a 4xx the collector will never accept), with the
   * reason beside it; then rejected/ is held to its bounds. The entry is
   * renamed, never opened: a link stays a link.
   */
  async reject(entry: SpoolEntry, reason: string): Promise<SpoolEntry[]> {
    await this.init();
    await atomicWrite(path.join(this.rejectedDir, reasonName(entry.name)), `${reason}\n`, { mode: 0o600 });
    await fsp.rename(entry.path, path.join(this.rejectedDir, entry.name));
    return this.enforceRejected();
  }

  /** Drops the oldest reports beyond the limits; returns what was dropped (the caller logs it). */
  async enforce(limits: SpoolLimits): Promise<SpoolEntry[]> {
    const dropped = await dropOldest(await this.list(), limits, (e) => this.remove(e));
    if (dropped.length > 0) await this.bump(this.droppedFile, dropped.length);
    return dropped;
  }

  /**
   * The same for spool/rejected/ (rejected_max_reports, rejected_max_bytes):
   * a fleet-wide token mistake must not fill the disk. Each report goes with
   * its reason; unlink only, so a planted link is removed, not followed.
   */
  async enforceRejected(): Promise<SpoolEntry[]> {
    const dropped = await dropOldest(await this.listRejected(), this.rejectedLimits, async (e) => {
      await fsp.rm(e.path, { force: true });
      await fsp.rm(path.join(this.rejectedDir, reasonName(e.name)), { force: true });
    });
    if (dropped.length > 0) await this.bump(this.rejectedDroppedFile, dropped.length);
    return dropped;
  }

  /**
   * `deliver --retry-rejected`: rejected reports back into the spool, under
   * their own names (so they keep their place, oldest first). Only a regular
   * file root owns, that only root can write and that has no other name
   * (one link) is moved; anything else (a link, a FIFO, a file not root's)
   * stays where it is, unopened, and is reported.
   */
  async restoreRejected(): Promise<RestoreResult> {
    const out: RestoreResult = { moved: [], refused: [] };
    for (const entry of await this.listRejected()) {
      const st = await fsp.lstat(entry.path).catch(() => null);
      if (!st) continue;
      let why: string | null = null;
      if (st.isSymbolicLink()) why = `a symlink owned by uid ${st.uid}`;
      else if (!st.isFile()) why = 'not a regular file';
      else if (st.uid !== 0) why = `owned by uid ${st.uid}`;
      else if ((st.mode & 0o022) !== 0) why = `writable by others than root (mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')})`;
      else if (st.nlink !== 1) why = `has ${st.nlink} names (hard links)`;
      const target = path.join(this.dir, entry.name);
      if (!why && (await fsp.lstat(target).catch(() => null))) why = 'a spooled report has the same name';
      if (why) {
        out.refused.push({ entry, reason: why });
        continue;
      }
      await fsp.rename(entry.path, target);
      await fsp.rm(path.join(this.rejectedDir, reasonName(entry.name)), { force: true });
      out.moved.push({ ...entry, path: target });
    }
    return out;
  }

  async droppedTotal(): Promise<number> {
    return this.counter(this.droppedFile);
  }

  /** Rejected reports dropped to keep spool/rejected/ within its bounds, ever. */
  async rejectedDroppedTotal(): Promise<number> {
    return this.counter(this.rejectedDroppedFile);
  }

  private async bump(file: string, n: number): Promise<void> {
    await atomicWrite(file, `${(await this.counter(file)) + n}\n`, { mode: 0o600 });
  }

  private async counter(file: string): Promise<number> {
    const text = await readRootFile(file, 'spool counter', { maxBytes: 64 }).then(
      (b) => b.toString('utf8'),
      (err: unknown) => {
        if (err instanceof TrustError && err.code === 'ENOENT') return '0';
        throw err;
      },
    );
    return Number.parseInt(text, 10) || 0;
  }
}

async function dropOldest(entries: SpoolEntry[], limits: SpoolLimits, drop: (e: SpoolEntry) => Promise<void>): Promise<SpoolEntry[]> {
  let bytes = entries.reduce((n, e) => n + e.bytes, 0);
  const dropped: SpoolEntry[] = [];
  while (entries.length > 0 && (entries.length > limits.maxReports || bytes > limits.maxBytes)) {
    const e = entries.shift()!;
    await drop(e);
    bytes -= e.bytes;
    dropped.push(e);
  }
  return dropped;
}
