import type { FileStat, HostFs } from '../../agent/host/index.js';
import { isHostError } from '../../agent/host/index.js';

/** Who besides the owner can open a file, as its mode and the dirs above it say. */
export interface Readers {
  group: boolean;
  others: boolean;
  /** A dir on the way that could not be looked at: then nobody is ruled out. */
  unknown?: string;
}

/**
 * Whether the file's group and others can read it: the read bit is not
 * enough, every dir from / down must let them search it (o+x for others;
 * for the group, g+x on a dir of that group or o+x). A 0644 file in a 0700
 * home is private. The path is resolved first, so the dirs are the real ones.
 */
export async function readersOf(fs: HostFs, path: string, st: FileStat): Promise<Readers> {
  let group = (st.mode & 0o040) !== 0;
  let others = (st.mode & 0o004) !== 0;
  if (!group && !others) return { group, others };
  let real: string;
  try {
    real = await fs.realpath(path);
  } catch (err) {
    return { group, others, unknown: `${path} (${isHostError(err) ? err.code : 'EIO'})` };
  }
  const parts = real.split('/').filter(Boolean).slice(0, -1);
  for (let i = 0; i <= parts.length; i++) {
    const dir = '/' + parts.slice(0, i).join('/');
    let d: FileStat | null;
    try {
      d = await fs.stat(dir);
    } catch (err) {
      return { group, others, unknown: `${dir} (${isHostError(err) ? err.code : 'EIO'})` };
    }
    if (!d) return { group, others, unknown: `${dir} (ENOENT)` };
    if ((d.mode & 0o001) === 0) {
      others = false;
      if (!(d.gid === st.gid && (d.mode & 0o010) !== 0)) group = false;
    }
  }
  return { group, others };
}
