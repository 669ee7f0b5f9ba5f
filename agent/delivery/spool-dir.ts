import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { rootControlled, TrustError } from '../host/trust.js';

export interface SpoolEntry {
  name: string;
  path: string;
  /** lstat size: a link counts as what it is, never as what it points to. */
  bytes: number;
}

/** `<13-digit ms>-<6-digit counter>-<uuid>.json`: the name sorts oldest first. */
export const SPOOL_NAME = /^(\d{13})-(\d{6})-([0-9a-f-]{36})\.json$/;

/**
 * The spool entries of one spool directory (spool/ or spool/rejected/),
 * oldest first by name. The directory must be root-controlled (a TrustError
 * otherwise); a missing one is empty. Leftover temp files of a killed writer
 * are removed. Nothing is followed: entries are lstat'ed, and a directory is
 * not an entry. `extra` adds the size of a sibling (the rejection reason).
 */
export async function listEntries(dir: string, what: string, extra?: (name: string) => string): Promise<SpoolEntry[]> {
  const t = await rootControlled(dir);
  if (!t.ok && t.missing) return [];
  if (!t.ok) throw new TrustError('EUNTRUSTED', dir, what, t.reason);
  let names: string[];
  try {
    names = await fsp.readdir(t.real);
  } catch {
    return [];
  }
  const out: SpoolEntry[] = [];
  for (const name of names.sort()) {
    const p = path.join(dir, name);
    if (name.endsWith('.tmp')) {
      await fsp.rm(p, { force: true });
      continue;
    }
    if (!SPOOL_NAME.test(name)) continue;
    const st = await fsp.lstat(p).catch(() => null);
    if (!st || st.isDirectory()) continue;
    const sib = extra ? await fsp.lstat(path.join(dir, extra(name))).catch(() => null) : null;
    out.push({ name, path: p, bytes: st.size + (sib?.size ?? 0) });
  }
  return out;
}
