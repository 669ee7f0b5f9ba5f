import { promises as fsp } from 'node:fs';
import path from 'node:path';
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

  async init(): Promise<void> {
    await fsp.mkdir(this.rejectedDir, { recursive: true, mode: 0o700 });
  }

  async add(id: string, body: string): Promise<string> {
    await this.init();
    const name = `${String(Date.now()).padStart(13, '0')}-${String(counter++ % 1e6).padStart(6, '0')}-${id}.json`;
    await atomicWrite(path.join(this.dir, name), body, { mode: 0o600 });
    return name;
  }

  /** Spooled reports, oldest first. Leftover temp files of a killed writer are removed. */
  async list(): Promise<SpoolEntry[]> {
    let names: string[];
    try {
      names = await fsp.readdir(this.dir);
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
      const st = await fsp.stat(p).catch(() => null);
      if (st?.isFile()) out.push({ name, path: p, bytes: st.size });
    }
    return out;
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
    const text = await fsp.readFile(this.droppedFile, 'utf8').catch(() => '0');
    return Number.parseInt(text, 10) || 0;
  }
}
