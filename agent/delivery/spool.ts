import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { ensureRootDir, readRootFile, rootControlled, TrustError } from '../host/trust.js';
import { atomicWrite } from '../util/atomic-write.js';

export interface SpoolEntry {
  name: string;
  path: string;
  bytes: number;
}

export interface SpoolLimits {
  maxReports: number;
  maxBytes: number;
}

const NAME = /^(\d{13})-(\d{6})-([0-9a-f-]{36})\.json$/;
/** Far above any report (spool_max_bytes is for all of them): a bound on what one read may cost. */
export const MAX_ENTRY_BYTES = 64 * 1024 * 1024;
let counter = 0;

/**
 * Reports waiting for the collector, one file each, oldest first by name.
 * A file appears whole or not at all (temp file, fsync, rename), so a kill at
 * any point leaves either the old spool or the new one.
 */
export class Spool {
  readonly dir: string;
  readonly rejectedDir: string;
  private readonly droppedFile: string;

  constructor(stateDir: string) {
    this.dir = path.join(stateDir, 'spool');
    this.rejectedDir = path.join(stateDir, 'spool', 'rejected');
    this.droppedFile = path.join(stateDir, 'reports-dropped');
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

  /** Spooled reports, oldest first. Leftover temp files of a killed writer are removed. */
  async list(): Promise<SpoolEntry[]> {
    const t = await rootControlled(this.dir);
    if (!t.ok && t.missing) return [];
    if (!t.ok) throw new TrustError('EUNTRUSTED', this.dir, 'spool', t.reason);
    let names: string[];
    try {
      names = await fsp.readdir(t.real);
    } catch {
      return [];
    }
    const out: SpoolEntry[] = [];
    for (const name of names.sort()) {
      const p = path.join(this.dir, name);
      if (name.endsWith('.tmp')) {
        await fsp.rm(p, { force: true });
        continue;
      }
      if (!NAME.test(name)) continue;
      // lstat: a link is listed as what it is; read() refuses it (and anything not root's) before a byte is sent.
      const st = await fsp.lstat(p).catch(() => null);
      if (st && !st.isDirectory()) out.push({ name, path: p, bytes: st.size });
    }
    return out;
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
    return NAME.exec(entry.name)![3]!;
  }

  async remove(entry: SpoolEntry): Promise<void> {
    await fsp.rm(entry.path, { force: true });
  }

  /** Sets a report aside (a 4xx the collector will never accept), with the reason beside it. */
  async reject(entry: SpoolEntry, reason: string): Promise<void> {
    await this.init();
    await atomicWrite(path.join(this.rejectedDir, `${entry.name}.reason`), `${reason}\n`, { mode: 0o600 });
    await fsp.rename(entry.path, path.join(this.rejectedDir, entry.name));
  }

  /** Drops the oldest reports beyond the limits; returns what was dropped (the caller logs it). */
  async enforce(limits: SpoolLimits): Promise<SpoolEntry[]> {
    const entries = await this.list();
    let bytes = entries.reduce((n, e) => n + e.bytes, 0);
    const dropped: SpoolEntry[] = [];
    while (entries.length > 0 && (entries.length > limits.maxReports || bytes > limits.maxBytes)) {
      const e = entries.shift()!;
      await this.remove(e);
      bytes -= e.bytes;
      dropped.push(e);
    }
    if (dropped.length > 0) await atomicWrite(this.droppedFile, `${(await this.droppedTotal()) + dropped.length}\n`, { mode: 0o600 });
    return dropped;
  }

  async droppedTotal(): Promise<number> {
    const text = await readRootFile(this.droppedFile, 'spool counter', { maxBytes: 64 }).then(
      (b) => b.toString('utf8'),
      (err: unknown) => {
        if (err instanceof TrustError && err.code === 'ENOENT') return '0';
        throw err;
      },
    );
    return Number.parseInt(text, 10) || 0;
  }
}
