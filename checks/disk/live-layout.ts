import type { Host, HostFs } from '../../agent/host/index.js';
import { MEMORY_FS, LayoutError, type Layout, type MountEntry, type Storage } from './storage.js';

// MOUNTPOINTS needs util-linux 2.37 and PATH 2.33 (Debian 12 has 2.38.1);
// older lsblk rejects the whole command, so it gets the columns it knows.
export const LSBLK_COLUMNS = 'NAME,KNAME,PATH,MAJ:MIN,TYPE,FSTYPE,MOUNTPOINTS,UUID,PKNAME';
const LEGACY_COLUMNS = 'NAME,KNAME,MAJ:MIN,TYPE,FSTYPE,MOUNTPOINT,UUID,PKNAME';
export const MOUNTINFO = '/proc/self/mountinfo';

// cryptsetup names its dm devices CRYPT-<type>-...; these types protect
// integrity (or are the integrity half of authenticated LUKS2), not secrecy,
// though lsblk still calls them "crypt".
const NOT_ENCRYPTING = new Set(['VERITY', 'INTEGRITY', 'SUBDEV']);

interface BlockNode {
  name: string;
  kname: string;
  path: string;
  majMin: string;
  type: string;
  mountpoints: string[];
  parents: Set<string>;
  /** /sys/block/<kname>/dm/uuid, for device-mapper nodes. */
  dmUuid?: string;
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** lsblk -J is a tree (a device with two parents appears under both); PKNAME covers the -l shape. */
function collect(list: unknown, parent: string | undefined, nodes: Map<string, BlockNode>): void {
  if (!Array.isArray(list)) throw new LayoutError('lsblk', 'lsblk -J: "blockdevices" is not a list');
  for (const raw of list) {
    if (typeof raw !== 'object' || raw === null) throw new LayoutError('lsblk', 'lsblk -J: a device entry is not an object');
    const d = raw as Record<string, unknown>;
    const kname = text(d.kname) ?? text(d.name);
    if (!kname) throw new LayoutError('lsblk', 'lsblk -J: a device without name/kname');
    const name = text(d.name) ?? kname;
    const node = nodes.get(kname) ?? {
      name,
      kname,
      path: text(d.path) ?? (kname.startsWith('dm-') ? `/dev/mapper/${name}` : `/dev/${kname}`),
      majMin: text(d['maj:min']) ?? '',
      type: text(d.type) ?? 'unknown',
      mountpoints: [...(Array.isArray(d.mountpoints) ? d.mountpoints : [d.mountpoint])].filter((m): m is string => typeof m === 'string'),
      parents: new Set<string>(),
    };
    nodes.set(kname, node);
    const p = parent ?? text(d.pkname);
    if (p) node.parents.add(p);
    if (d.children !== undefined) collect(d.children, kname, nodes);
  }
}

function cryptType(n: BlockNode): string | undefined {
  return n.dmUuid ? /^CRYPT-([A-Z0-9]+)-/.exec(n.dmUuid)?.[1] : undefined;
}

function isEncrypting(n: BlockNode): boolean {
  if (n.dmUuid !== undefined) {
    const t = cryptType(n);
    return t !== undefined && !NOT_ENCRYPTING.has(t);
  }
  return n.type === 'crypt';
}

class BlockGraph {
  constructor(readonly nodes: Map<string, BlockNode>) {}

  /**
   * The devices at the bottom of `k` that reach it without passing through
   * dm-crypt, and the integrity-only layers on those paths.
   */
  plainPaths(k: string, acc = { roots: new Set<string>(), integrity: new Set<BlockNode>() }, seen = new Set<string>()): typeof acc {
    const n = this.nodes.get(k);
    if (!n || seen.has(k) || isEncrypting(n)) return acc;
    seen.add(k);
    if (NOT_ENCRYPTING.has(cryptType(n) ?? '')) acc.integrity.add(n);
    const parents = [...n.parents].filter((p) => this.nodes.has(p));
    if (parents.length === 0) acc.roots.add(n.name);
    for (const p of parents) this.plainPaths(p, acc, seen);
    return acc;
  }

  label(n: BlockNode): string {
    const t = cryptType(n);
    return `${n.name} (${n.type}${t ? `, CRYPT-${t}` : ''})`;
  }

  /** Root-first chains ("nvme0n1 (disk) <- nvme0n1p3 (part) <- ..."), at most 8. */
  chains(k: string, seen: string[] = []): string[][] {
    const n = this.nodes.get(k);
    if (!n || seen.includes(k)) return [];
    const parents = [...n.parents].filter((p) => this.nodes.has(p));
    if (parents.length === 0) return [[this.label(n)]];
    return parents.flatMap((p) => this.chains(p, [...seen, k])).slice(0, 8).map((c) => [...c, this.label(n)]);
  }

  storage(n: BlockNode): Storage {
    const chains = this.chains(n.kname).map((c) => c.join(' <- '));
    const { roots, integrity } = this.plainPaths(n.kname);
    if (roots.size === 0) return { kind: 'encrypted', device: n.path, chains };
    const note = [...integrity].map((x) => `; ${x.name} is CRYPT-${cryptType(x)}: integrity only, not encryption`).join('');
    return { kind: 'plain', device: n.path, chains, why: `no dm-crypt layer above ${[...roots].join(', ')}${note}` };
  }
}

/** Decodes mountinfo's octal escapes (\040 for a space, ...). */
function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export interface MountinfoEntry {
  majMin: string;
  mountPoint: string;
  fstype: string;
  source: string;
  line: number;
}

/** proc(5) mountinfo; a later mount on the same point hides the earlier one. */
export function parseMountinfo(content: string): MountinfoEntry[] {
  const byPoint = new Map<string, MountinfoEntry>();
  content.split('\n').forEach((line, i) => {
    const f = line.trim().split(' ');
    const sep = f.indexOf('-', 6);
    if (f.length < 7 || sep < 0 || f[sep + 1] === undefined) {
      if (line.trim() !== '') throw new LayoutError(MOUNTINFO, `${MOUNTINFO}:${i + 1}: not a mountinfo line`);
      return;
    }
    const mountPoint = unescape(f[4]!);
    byPoint.delete(mountPoint);
    byPoint.set(mountPoint, { majMin: f[2]!, mountPoint, fstype: f[sep + 1]!, source: unescape(f[sep + 2] ?? 'none'), line: i + 1 });
  });
  return [...byPoint.values()];
}

async function dmUuid(fs: HostFs, kname: string): Promise<string | undefined> {
  try {
    return (await fs.readText(`/sys/block/${kname}/dm/uuid`, { maxBytes: 4096 })).trim();
  } catch {
    return undefined; // no sysfs entry: fall back to lsblk's TYPE
  }
}

/**
 * The live layout from recorded or fresh inputs: `lsblk -J` text plus the
 * target's /sys/block/<dm>/dm/uuid and /proc/self/mountinfo, read through `fs`.
 */
export async function liveLayout(lsblkJson: string, fs: HostFs): Promise<Layout> {
  let doc: unknown;
  try {
    doc = JSON.parse(lsblkJson);
  } catch (err) {
    throw new LayoutError('lsblk', `lsblk -J: output is not JSON (${(err as Error).message.slice(0, 80)})`);
  }
  const nodes = new Map<string, BlockNode>();
  collect((doc as { blockdevices?: unknown } | null)?.blockdevices, undefined, nodes);
  for (const n of nodes.values()) if (n.kname.startsWith('dm-')) n.dmUuid = await dmUuid(fs, n.kname);
  const graph = new BlockGraph(nodes);
  let info: MountinfoEntry[];
  try {
    info = parseMountinfo(await fs.readText(MOUNTINFO));
  } catch (err) {
    if (err instanceof LayoutError) throw err;
    throw new LayoutError(MOUNTINFO, `${MOUNTINFO}: ${(err as Error).message}`);
  }
  const byMajMin = new Map([...nodes.values()].map((n) => [n.majMin, n]));
  const find = async (e: MountinfoEntry): Promise<BlockNode | undefined> => {
    // Block filesystems carry the device number; btrfs and friends show an anonymous 0:N.
    if (!e.majMin.startsWith('0:') && byMajMin.has(e.majMin)) return byMajMin.get(e.majMin);
    if (e.source.startsWith('/dev/')) {
      const real = await fs.realpath(e.source).catch(() => e.source);
      const hit = [...nodes.values()].find((n) => [e.source, real].some((s) => s === n.path || s === `/dev/${n.kname}` || s === `/dev/mapper/${n.name}`));
      if (hit) return hit;
    }
    return [...nodes.values()].find((n) => n.mountpoints.includes(e.mountPoint));
  };
  const mounts: MountEntry[] = [];
  for (const e of info) {
    const base = { mountPoint: e.mountPoint, fstype: e.fstype, source: e.source, origin: `${MOUNTINFO}:${e.line}` };
    let storage: Storage;
    const node = MEMORY_FS.has(e.fstype) ? undefined : await find(e);
    if (MEMORY_FS.has(e.fstype)) storage = { kind: 'memory' };
    else if (node) storage = graph.storage(node);
    else if (!e.majMin.startsWith('0:') || e.source.startsWith('/dev/')) storage = { kind: 'unknown', why: `block device ${e.source} (${e.majMin}) is not in the lsblk output` };
    else storage = { kind: 'unknown', why: `${e.fstype} filesystem from ${e.source} is not on a local block device` };
    mounts.push({ ...base, storage });
  }
  return { mounts, problems: [] };
}

/** Runs lsblk on the live host and reads the rest through host.fs. */
export async function readLiveLayout(host: Host): Promise<Layout> {
  const run = (cols: string) => host.exec(['lsblk', '-J', '-o', cols], { timeoutMs: 15_000 });
  let r = await run(LSBLK_COLUMNS);
  if (r.exitCode !== 0 && /unknown column/i.test(r.stderr)) r = await run(LEGACY_COLUMNS);
  if (r.failure || r.exitCode !== 0) {
    const why = r.message ?? (r.stderr.trim().split('\n')[0] || `exit status ${r.exitCode}`);
    throw new LayoutError('lsblk', `${r.argv.join(' ')} failed: ${why}`);
  }
  return liveLayout(r.stdout, host.fs);
}
