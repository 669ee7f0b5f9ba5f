import { verdict } from '../../agent/engine/define-check.js';
import type { FindingDraft } from '../../agent/engine/types.js';
import { describeCode, isHostError, type HostFs } from '../../agent/host/index.js';
import { normalizeTargetPath } from '../../agent/util/target-path.js';
import { MEMORY_FS, containingMount, type Layout, type MountEntry, type Storage } from './storage.js';

export const FSTAB = '/etc/fstab';
export const CRYPTTAB = '/etc/crypttab';
const LVM_BACKUP = '/etc/lvm/backup';
const NETWORK_FS = /^(nfs4?|cifs|smb3|ceph|glusterfs|9p|virtiofs|fuse\..*|sshfs|davfs|lustre|gpfs|beegfs)$/;
/** /dev/<x>/<y> that is not /dev/<vg>/<lv>. */
const DEV_DIRS = new Set(['disk', 'mapper', 'md', 'block', 'bus', 'char', 'input', 'net', 'pts', 'shm', 'snd', 'vfio', 'zvol']);

interface Row {
  fields: string[];
  line: number;
}

async function readTable(fs: HostFs, path: string, problems: FindingDraft[]): Promise<Row[] | null> {
  let text: string;
  try {
    text = await fs.readText(path, { maxBytes: 1024 * 1024 });
  } catch (err) {
    if (isHostError(err, 'ENOENT')) return null;
    problems.push(verdict.error(path, `${path}: ${isHostError(err) ? describeCode(err.code) : String(err)}`));
    return null;
  }
  if (/[\u0000\ufffd]/.test(text)) {
    problems.push(verdict.error(path, `${path}: binary data, not a ${path.slice(5)} table`));
    return null;
  }
  const rows: Row[] = [];
  const bad: number[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/).map((f) => f.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8))));
    if (fields.length < 2) bad.push(i + 1);
    else rows.push({ fields, line: i + 1 });
  });
  if (bad.length) problems.push(verdict.error(path, `${path}:${bad.join(',')}: malformed line (fewer than two fields), ignored as mount(8) does`));
  return rows;
}

/** /dev/mapper names double the dashes inside VG and LV names: debian--vg-root is VG debian-vg, LV root. */
function lvmName(mapperName: string): { vg: string; lv: string } | undefined {
  const m = /^((?:[^-]|--)+)-((?:[^-]|--)+)$/.exec(mapperName);
  return m ? { vg: m[1]!.replace(/--/g, '-'), lv: m[2]!.replace(/--/g, '-') } : undefined;
}

class OfflineResolver {
  constructor(
    readonly fs: HostFs,
    /** crypttab target name -> its source device and line; `random` for swap/tmp with a throwaway key. */
    readonly crypt: Map<string, { source: string; line: number; random: boolean }>,
  ) {}

  /**
   * Whether a device named in fstab (or as an LVM PV) is dm-crypt. Offline
   * only names are known: crypttab targets are encrypted; LVM volumes are
   * when every PV of their VG (per /etc/lvm/backup) is; partitions and raw
   * disks are not; a filesystem UUID/LABEL is unknowable once crypttab opens
   * something, because nothing in the files says which device carries it.
   */
  async device(spec: string, depth = 0): Promise<Storage> {
    const dev = spec.replace(/^(UUID|LABEL|PARTUUID|PARTLABEL)="(.*)"$/, '$1=$2');
    const plain = (why: string): Storage => ({ kind: 'plain', device: dev, chains: [dev], why });
    if (this.crypt.size === 0) return plain(`no ${CRYPTTAB} entries, so nothing is unlocked at boot`);
    const mapper = /^\/dev\/mapper\/(.+)$/.exec(dev) ?? /^\/dev\/disk\/by-id\/dm-name-(.+)$/.exec(dev);
    if (mapper) {
      const name = mapper[1]!;
      const c = this.crypt.get(name);
      if (c) return { kind: 'encrypted', device: dev, chains: [`${c.source} <- ${name} (crypt, ${CRYPTTAB}:${c.line})`] };
      const lvm = lvmName(name);
      if (lvm) return this.lvm(dev, lvm.vg, lvm.lv, depth);
      return { kind: 'unknown', why: `${dev} is neither a ${CRYPTTAB} target nor an LVM volume` };
    }
    const vgLv = /^\/dev\/([^/]+)\/([^/]+)$/.exec(dev);
    if (vgLv && !DEV_DIRS.has(vgLv[1]!)) return this.lvm(dev, vgLv[1]!, vgLv[2]!, depth);
    if (/^(PARTUUID|PARTLABEL)=|^\/dev\/disk\/by-part(uuid|label)\//.test(dev)) return plain('a partition: dm-crypt would be a /dev/mapper device');
    if (/^\/dev\/(sd|vd|xvd|hd|nvme|mmcblk|md|loop)[^/]*$/.test(dev)) return plain('a raw disk, partition or md array');
    if (/^(UUID|LABEL)=|^\/dev\/disk\/by-(uuid|label)\//.test(dev)) {
      // swap/tmp entries get a fresh random key and filesystem every boot: no UUID= filesystem lives there.
      const kept = [...this.crypt.entries()].filter(([, c]) => !c.random).map(([n]) => n);
      if (kept.length === 0) return plain(`${CRYPTTAB} only opens randomly keyed swap/tmp devices (${[...this.crypt.keys()].join(', ')})`);
      return {
        kind: 'unknown',
        why: `${dev} names a filesystem, and the files do not say which device carries it while ${CRYPTTAB} opens ${kept.join(', ')}; audit the live host (lsblk) instead`,
      };
    }
    return { kind: 'unknown', why: `cannot tell from the files what ${dev} is` };
  }

  private async lvm(dev: string, vg: string, lv: string, depth: number): Promise<Storage> {
    const path = `${LVM_BACKUP}/${vg}`;
    let text: string;
    try {
      text = await this.fs.readText(path, { maxBytes: 4 * 1024 * 1024 });
    } catch (err) {
      const why = isHostError(err) ? describeCode(err.code) : String(err);
      return { kind: 'unknown', why: `${dev} is LVM volume ${lv} of VG ${vg}, and ${path} (which lists its PVs) ${why}` };
    }
    // Only physical volumes carry `device = "..."` (the PV's path when the backup was written).
    const pvs = [...text.matchAll(/^\s*device\s*=\s*"([^"]+)"/gm)].map((m) => m[1]!);
    if (pvs.length === 0) return { kind: 'unknown', why: `${path} lists no physical volume devices for VG ${vg}` };
    if (depth > 4) return { kind: 'unknown', why: `${dev}: LVM stacked too deep to follow` };
    const under = await Promise.all(pvs.map((pv) => this.device(pv, depth + 1)));
    const chains = under.flatMap((s) => (s.kind === 'memory' ? [] : (s.chains ?? []))).map((c) => `${c} <- ${dev.replace(/^\/dev\/(mapper\/)?/, '')} (lvm, ${path})`);
    const bad = under.map((s, i) => ({ s, pv: pvs[i]! })).filter(({ s }) => s.kind !== 'encrypted');
    if (bad.length === 0) return { kind: 'encrypted', device: dev, chains };
    const unknown = bad.find(({ s }) => s.kind === 'unknown');
    if (unknown && unknown.s.kind === 'unknown') return { kind: 'unknown', why: `PV ${unknown.pv} of VG ${vg}: ${unknown.s.why}`, chains };
    return { kind: 'plain', device: dev, chains, why: `VG ${vg} has PV ${bad.map((b) => b.pv).join(', ')} outside dm-crypt` };
  }
}

/**
 * The persisted layout: /etc/fstab for the mounts, /etc/crypttab and
 * /etc/lvm/backup for what lies under them. Null when the root has no fstab
 * entries at all (a container image): nothing persisted to judge.
 */
export async function offlineLayout(fs: HostFs): Promise<Layout | null> {
  const problems: FindingDraft[] = [];
  const fstab = await readTable(fs, FSTAB, problems);
  const crypttab = (await readTable(fs, CRYPTTAB, problems)) ?? [];
  // Without a readable crypttab every verdict on a block device would be a guess.
  if (problems.some((p) => p.subject === CRYPTTAB)) return { mounts: [], problems };
  if (!fstab?.length) return problems.length > 0 ? { mounts: [], problems } : null;
  const crypt = new Map(
    crypttab.map((r) => {
      const [name, source = '', key = 'none', opts = ''] = r.fields as [string, string?, string?, string?];
      const random = /^\/dev\/u?random$/.test(key) || opts.split(',').some((o) => o === 'swap' || o === 'tmp' || o.startsWith('tmp='));
      return [name, { source, line: r.line, random }];
    }),
  );
  const resolver = new OfflineResolver(fs, crypt);
  const mounts: MountEntry[] = [];
  const binds: Array<{ entry: MountEntry; from: string }> = [];
  for (const { fields, line } of fstab ?? []) {
    const [spec, file, type = 'auto', opts = 'defaults'] = fields as [string, string, string?, string?];
    if (type === 'swap' || !file.startsWith('/')) continue;
    const base = { mountPoint: normalizeTargetPath(file), fstype: type, source: spec, origin: `${FSTAB}:${line}` };
    const options = opts.split(',');
    if (options.includes('bind') || options.includes('rbind')) {
      const entry: MountEntry = { ...base, storage: { kind: 'unknown', why: `bind mount of ${spec}` } };
      binds.push({ entry, from: normalizeTargetPath(spec) });
      mounts.push(entry);
      continue;
    }
    let storage: Storage;
    if (MEMORY_FS.has(type)) storage = { kind: 'memory' };
    else if (NETWORK_FS.test(type) || /^[^/=]+:/.test(spec) || spec.startsWith('//')) storage = { kind: 'unknown', why: `${type} filesystem from ${spec} is not on a local block device` };
    else storage = await resolver.device(spec);
    mounts.push({ ...base, storage });
  }
  // A bind mount stores its data where its source lives.
  for (const { entry, from } of binds) {
    const src = containingMount(mounts.filter((m) => !binds.some((b) => b.entry === m)), from);
    if (!src) continue;
    const s = src.storage;
    const via = (c: string) => `${c} <- bind of ${from} (${src.mountPoint})`;
    entry.storage = s.kind === 'memory' || s.kind === 'unknown' ? s : { ...s, chains: s.chains.map(via) };
  }
  return { mounts, problems };
}
