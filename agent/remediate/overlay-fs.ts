import path from 'node:path';
import type { Check, CheckContext, FindingDraft } from '../engine/types.js';
import { createFacts } from '../facts/index.js';
import type { DirEntry, FileStat, Host, HostFs, ReadOptions } from '../host/index.js';
import { normalizeTargetPath } from '../util/target-path.js';

/**
 * The target as it will read once a plan's new files are written, without
 * writing them: a remediation runs its check's own parser on the result and
 * refuses a drop-in that would not win (sshd's first value, a later rules
 * file, a later unit drop-in) instead of applying something that fixes nothing.
 * Paths are target paths as the parsers ask for them; `files` are added
 * (or replace existing ones) and their missing directories appear empty.
 */
export function overlayFs(base: HostFs, files: Record<string, string>): HostFs {
  const added = new Map(Object.entries(files).map(([p, c]) => [normalizeTargetPath(p), Buffer.from(c)]));
  const dirs = new Set<string>();
  for (const p of added.keys()) for (let d = path.posix.dirname(p); d !== '/'; d = path.posix.dirname(d)) dirs.add(d);
  const fileStat = (data: Buffer): FileStat => ({ kind: 'file', mode: 0o644, uid: 0, gid: 0, size: data.length, mtimeMs: 0, dev: 0, ino: 0 });
  const dirStat: FileStat = { kind: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0, mtimeMs: 0, dev: 0, ino: 0 };
  const statWith = async (p: string, get: (p: string) => Promise<FileStat | null>): Promise<FileStat | null> => {
    const n = normalizeTargetPath(p);
    const data = added.get(n);
    if (data) return fileStat(data);
    return (await get(p)) ?? (dirs.has(n) ? dirStat : null);
  };
  return {
    async readFile(p: string, opts?: ReadOptions): Promise<Buffer> {
      return added.get(normalizeTargetPath(p)) ?? base.readFile(p, opts);
    },
    async readText(p: string, opts?: ReadOptions): Promise<string> {
      return added.get(normalizeTargetPath(p))?.toString('utf8') ?? base.readText(p, opts);
    },
    stat: (p) => statWith(p, (x) => base.stat(x)),
    lstat: (p) => statWith(p, (x) => base.lstat(x)),
    async readdir(p: string): Promise<DirEntry[]> {
      const n = normalizeTargetPath(p);
      const entries = dirs.has(n) && !(await base.exists(p)) ? [] : await base.readdir(p);
      const names = new Set(entries.map((e) => e.name));
      const extra: DirEntry[] = [];
      for (const f of added.keys()) if (path.posix.dirname(f) === n && !names.has(path.posix.basename(f))) extra.push({ name: path.posix.basename(f), kind: 'file' });
      for (const d of dirs) if (path.posix.dirname(d) === n && !names.has(path.posix.basename(d))) extra.push({ name: path.posix.basename(d), kind: 'dir' });
      return [...entries.filter((e) => !added.has(path.posix.join(n, e.name))), ...extra, ...entries.filter((e) => added.has(path.posix.join(n, e.name))).map((e) => ({ ...e, kind: 'file' as const }))];
    },
    async realpath(p: string): Promise<string> {
      const n = normalizeTargetPath(p);
      if ((added.has(n) || dirs.has(n)) && (await base.lstat(p)) === null) return n;
      return base.realpath(p);
    },
    hostPath: (p) => base.hostPath(p),
    async exists(p: string): Promise<boolean> {
      const n = normalizeTargetPath(p);
      return added.has(n) || dirs.has(n) || base.exists(p);
    },
  };
}

/**
 * What `check` finds on the files as they will be once `files` are written.
 * It reads files only (the host is offline for it): a live host's commands
 * (sshd -T, auditctl -l) show the state before the change, not after.
 */
export async function checkWith(ctx: CheckContext, check: Check, files: Record<string, string>): Promise<FindingDraft[]> {
  const fs = overlayFs(ctx.host.fs, files);
  const base = ctx.host; // may be a prototype-derived Host: no spreading
  const host: Host = { root: base.root, live: false, fs, users: () => base.users(), identity: () => base.identity(), exec: () => Promise.reject(new Error('no commands in a simulated check')) };
  return check.run({ ...ctx, host, facts: createFacts(host, ctx.config, ctx.secrets) });
}
