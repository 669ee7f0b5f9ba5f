import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

export interface AtomicWriteOptions {
  mode?: number;
  uid?: number;
  gid?: number;
}

/**
 * Writes via a temp file in the same directory, fsync, then rename: a reader
 * (or a crash) sees the old file or the new one, never half of either.
 */
export async function atomicWrite(file: string, data: string | Buffer, opts: AtomicWriteOptions = {}): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await fsp.open(tmp, 'wx', opts.mode ?? 0o644);
  try {
    await handle.writeFile(data);
    if (opts.mode !== undefined) await handle.chmod(opts.mode);
    if (opts.uid !== undefined && opts.gid !== undefined) await handle.chown(opts.uid, opts.gid);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await fsp.rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await fsp.rename(tmp, file);
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw err;
  }
  const dh = await fsp.open(dir, 'r');
  try {
    await dh.sync(); // the rename itself is durable only once the directory is
  } finally {
    await dh.close();
  }
}
