import { gunzipSync } from 'node:zlib';
import type { CheckContext } from '../../agent/engine/types.js';
import { describeCode, isHostError } from '../../agent/host/index.js';
import { compareDebVersions } from './deb-version.js';
import { lz4FrameDecode } from './lz4-frame.js';

export const DPKG_STATUS = '/var/lib/dpkg/status';
export const APT_LISTS = '/var/lib/apt/lists';
/** Bytes read of dpkg's status and of each list at most (a security suite's Packages is a few MB; all of main ~50 MB). */
const MAX_STATUS_BYTES = 32 * 1024 * 1024;
const MAX_LIST_BYTES = 64 * 1024 * 1024;
const MAX_LISTS = 64;
/** Pending updates named in the message at most. */
export const SHOW_PENDING = 10;

export interface Pending {
  pkg: string;
  arch: string;
  installed: string;
  candidate: string;
}

export interface PendingReport {
  /** The security suites' Packages lists read. */
  lists: string[];
  pending: Pending[];
  /** Lists that could not be read or made no sense: the answer is incomplete. */
  unreadable: string[];
  /** Newest mtime of the suites' InRelease/Release (when apt last fetched them), 0 if none. */
  fetchedMs: number;
}

/** Debian policy 5.6.1 and 5.6.12: anything else is not a package of a real list, and is never printed. */
const PKG = /^[a-z0-9][a-z0-9+.-]{0,99}$/;
const VERSION = /^[A-Za-z0-9.+~:-]{1,100}$/;

/** Calls `fn` with each stanza's fields (first line of each field only; continuation lines are skipped). */
function eachStanza(text: string, fn: (f: Map<string, string>) => void): number {
  let count = 0;
  let f = new Map<string, string>();
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    if (line.trim() === '') {
      if (f.size) (fn(f), count++);
      f = new Map();
      continue;
    }
    if (line.startsWith(' ') || line.startsWith('\t')) continue;
    const colon = line.indexOf(':');
    if (colon > 0 && colon < 64) f.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  if (f.size) (fn(f), count++);
  return count;
}

/** Installed packages from dpkg's status file, keyed `name:arch`. */
export function installedPackages(status: string): Map<string, string> {
  const out = new Map<string, string>();
  eachStanza(status, (f) => {
    const pkg = f.get('Package');
    const version = f.get('Version');
    // "install ok installed", "hold ok installed": only the last word says it is on disk.
    if (pkg && version && PKG.test(pkg) && VERSION.test(version) && /\sinstalled$/.test(f.get('Status') ?? '')) out.set(`${pkg}:${f.get('Architecture') ?? 'all'}`, version);
  });
  return out;
}

/**
 * The newest version a Packages list offers for each installed package,
 * when newer than the installed one. Returns the stanza count (0: not a
 * Packages file). Only installed packages are kept, whatever the list holds.
 */
export function scanPackages(text: string, installed: Map<string, string>, best: Map<string, string>): number {
  let withPackage = 0;
  eachStanza(text, (f) => {
    const pkg = f.get('Package');
    const version = f.get('Version');
    if (!pkg || !version || !PKG.test(pkg) || !VERSION.test(version)) return;
    withPackage++;
    const key = `${pkg}:${f.get('Architecture') ?? 'all'}`;
    const have = installed.get(key);
    if (have === undefined || compareDebVersions(version, have) <= 0) return;
    const prev = best.get(key);
    if (prev === undefined || compareDebVersions(version, prev) > 0) best.set(key, version);
  });
  return withPackage;
}

function why(err: unknown): string {
  return isHostError(err) ? describeCode(err.code) : err instanceof Error ? err.message : String(err);
}

/** A list's text: plain, gzip or lz4 (Acquire::GzipIndexes, Debian's container images), each bounded. */
async function listText(ctx: CheckContext, path: string): Promise<string> {
  const raw = await ctx.host.fs.readFile(path, { maxBytes: MAX_LIST_BYTES });
  const data = path.endsWith('.gz') ? gunzipSync(raw, { maxOutputLength: MAX_LIST_BYTES }) : path.endsWith('.lz4') ? lz4FrameDecode(raw, MAX_LIST_BYTES) : raw;
  if (data.includes(0)) throw new Error('binary data, not a Packages list');
  return data.toString('utf8');
}

/**
 * Security updates apt knows of and dpkg has not installed: dpkg's status
 * against the security suites' Packages lists in /var/lib/apt/lists (what
 * `apt update` last fetched), compared in Debian version order; an error
 * when dpkg's status cannot be read.
 */
export async function pendingSecurityUpdates(ctx: CheckContext): Promise<PendingReport | { error: string }> {
  const { fs } = ctx.host;
  let status: string;
  try {
    status = await fs.readText(DPKG_STATUS, { maxBytes: MAX_STATUS_BYTES });
  } catch (err) {
    return { error: `${DPKG_STATUS}: ${why(err)}` };
  }
  const installed = installedPackages(status);
  const names = (await fs.readdir(APT_LISTS).catch(() => []))
    .filter((e) => e.kind === 'file' && /security/i.test(e.name) && /_Packages(\.gz|\.lz4|\.xz)?$/.test(e.name))
    .map((e) => e.name)
    .sort()
    .slice(0, MAX_LISTS);
  const report: PendingReport = { lists: [], pending: [], unreadable: [], fetchedMs: 0 };
  const best = new Map<string, string>();
  for (const n of names) {
    const path = `${APT_LISTS}/${n}`;
    if (/\.xz$/.test(n)) {
      report.unreadable.push(`${path}: ${n.slice(n.lastIndexOf('.') + 1)}-compressed, which runnerguard does not read`);
      continue;
    }
    try {
      const stanzas = scanPackages(await listText(ctx, path), installed, best);
      if (stanzas === 0) report.unreadable.push(`${path}: no package stanza in it, not a Packages list`);
      else report.lists.push(path);
    } catch (err) {
      report.unreadable.push(`${path}: ${why(err)}`);
    }
    // X_dists_SUITE_main_binary-amd64_Packages -> X_dists_SUITE_InRelease (or _Release): when apt fetched it.
    const m = /^(.*_dists_[^_]+_)/.exec(n);
    for (const r of m ? ['InRelease', 'Release'] : []) {
      const st = await fs.stat(`${APT_LISTS}/${m![1]}${r}`).catch(() => null);
      if (st) report.fetchedMs = Math.max(report.fetchedMs, st.mtimeMs);
    }
  }
  for (const [key, candidate] of [...best].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const colon = key.lastIndexOf(':');
    report.pending.push({ pkg: key.slice(0, colon), arch: key.slice(colon + 1), installed: installed.get(key)!, candidate });
  }
  return report;
}
