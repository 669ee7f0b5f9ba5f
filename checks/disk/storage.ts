import { verdict } from '../../agent/engine/define-check.js';
import type { FindingDraft } from '../../agent/engine/types.js';
import type { HostFs } from '../../agent/host/index.js';
import { isWithin, normalizeTargetPath, resolveExisting } from '../../agent/util/target-path.js';

/** What backs a mount, as far as encryption goes. */
export type Storage =
  | { kind: 'encrypted'; device: string; chains: string[] }
  | { kind: 'plain'; device: string; chains: string[]; why: string }
  | { kind: 'memory' }
  | { kind: 'unknown'; why: string; chains?: string[] };

export interface MountEntry {
  mountPoint: string;
  fstype: string;
  /** The device (or remote, or pseudo source) as the mount table names it. */
  source: string;
  storage: Storage;
  /** Where the entry came from ("/proc/self/mountinfo:27", "/etc/fstab:9"). */
  origin: string;
}

export interface Layout {
  mounts: MountEntry[];
  /** Unreadable or malformed inputs found on the way (error findings). */
  problems: FindingDraft[];
}

/** A path whose contents must be encrypted at rest, and what it is. */
export interface DataPath {
  path: string;
  role: string;
}

/** Thrown when the layout itself cannot be read; becomes one error finding. */
export class LayoutError extends Error {
  constructor(
    readonly subject: string,
    message: string,
    readonly evidence: string[] = [],
  ) {
    super(message);
  }
}

/** The mount holding `p`: the longest mount point that is `p` or one of its ancestors. */
export function containingMount(mounts: MountEntry[], p: string): MountEntry | undefined {
  let best: MountEntry | undefined;
  for (const m of mounts) {
    if (isWithin(p, m.mountPoint) && (!best || m.mountPoint.length >= best.mountPoint.length)) best = m;
  }
  return best;
}

function describe(held: Array<{ dp: DataPath; real: string }>): string {
  return held.map(({ dp }) => (dp.path === '/' ? dp.role : `${dp.role} ${dp.path}`)).join(', ');
}

/** One finding per mount that holds runner data (subject: the mount point). */
export async function judgeLayout(paths: DataPath[], layout: Layout, fs: HostFs): Promise<FindingDraft[]> {
  const out: FindingDraft[] = [];
  const byMount = new Map<MountEntry, Array<{ dp: DataPath; real: string }>>();
  for (const dp of paths) {
    const real = await resolveExisting(fs, dp.path);
    const m = containingMount(layout.mounts, real);
    if (!m) {
      out.push(verdict.error(normalizeTargetPath(dp.path), `no mount holds ${dp.role} ${real}: the mount table has no entry for it or any parent`));
      continue;
    }
    byMount.set(m, [...(byMount.get(m) ?? []), { dp, real }]);
  }
  for (const [m, held] of byMount) {
    const s = m.storage;
    const evidence = [`mount ${m.mountPoint}: ${m.source} (${m.fstype}) from ${m.origin}`];
    if (s.kind !== 'memory') for (const c of s.chains ?? []) evidence.push(`device chain: ${c}`);
    for (const { dp, real } of held) evidence.push(`holds ${dp.role} ${dp.path}${real !== normalizeTargetPath(dp.path) ? ` (-> ${real})` : ''}`);
    const what = describe(held);
    if (s.kind === 'encrypted') {
      out.push(verdict.pass(m.mountPoint, `${m.mountPoint} is on ${s.device}, encrypted with dm-crypt; it holds ${what}`, evidence));
    } else if (s.kind === 'plain') {
      out.push(verdict.fail(m.mountPoint, `${m.mountPoint} is on ${s.device}, which is not dm-crypt/LUKS (${s.why}); it holds ${what}`, evidence));
    } else if (s.kind === 'memory') {
      out.push(verdict.pass(m.mountPoint, `${m.mountPoint} is ${m.fstype}, memory-backed: ${what} reach a disk only through swap`, evidence));
    } else {
      out.push(verdict.error(m.mountPoint, `cannot tell whether ${m.mountPoint} (holding ${what}) is encrypted: ${s.why}`, evidence));
    }
  }
  return out;
}

/** Filesystems that live in RAM. */
export const MEMORY_FS = new Set(['tmpfs', 'ramfs']);
