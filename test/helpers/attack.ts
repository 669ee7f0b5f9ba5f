import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { promises as fsp } from 'node:fs';
import path from 'node:path';

/** The uid a CI job runs as in these tests (a real, unprivileged uid on this machine). */
export const JOB_UID = 999;

/**
 * Every path under `root` with kind, mode, owner, link target and content
 * hash, except below `exclude` (target paths the attacker owns and may change
 * at will). Equal listings: nothing outside those dirs changed.
 */
export async function listingExcept(root: string, exclude: string[]): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const n of (await fsp.readdir(dir)).sort()) {
      const p = path.join(dir, n);
      const rel = `/${path.relative(root, p)}`;
      if (exclude.some((e) => rel === e || rel.startsWith(`${e}/`))) continue;
      const st = await fsp.lstat(p);
      const meta = `${rel} ${(st.mode & 0o170000).toString(8)} ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid}`;
      if (st.isSymbolicLink()) out.push(`${meta} -> ${await fsp.readlink(p)}`);
      else if (st.isFile()) out.push(`${meta} ${createHash('sha256').update(await fsp.readFile(p)).digest('hex').slice(0, 16)}`);
      else out.push(meta);
      if (st.isDirectory()) await walk(p);
    }
  };
  await walk(root);
  return out;
}

/** chown -hR: everything at and below host path `p` becomes `uid`'s (the job's, by default). */
export async function giveToJob(p: string, uid = JOB_UID): Promise<void> {
  const st = await fsp.lstat(p);
  await fsp.lchown(p, uid, uid);
  if (st.isDirectory()) for (const n of await fsp.readdir(p)) await giveToJob(path.join(p, n), uid);
}

// A job's racer: swaps two names atomically with renameat2(RENAME_EXCHANGE), as fast as it can, until SIGTERM.
const RACER = String.raw`
import ctypes, signal, sys
libc = ctypes.CDLL(None, use_errno=True)
a, b = sys.argv[1].encode(), sys.argv[2].encode()
n = 0
def done(*_):
    sys.stdout.write('%d\n' % n); sys.stdout.flush(); sys.exit(0)
signal.signal(signal.SIGTERM, done)
sys.stdout.write('ready\n'); sys.stdout.flush()
while True:
    if libc.renameat2(-100, a, -100, b, 2) == 0:
        n += 1
`;

export interface Racer {
  /** Stops it; resolves to the number of swaps it made. */
  stop(): Promise<number>;
}

/** Starts a uid-JOB_UID process exchanging host paths `a` and `b` in a loop; resolves once it swaps. */
export async function startRacer(a: string, b: string, uid = JOB_UID): Promise<Racer> {
  // Debian's python3 (test/setup/apt-deps.sh): a pyenv shim under /root is not the job's to run.
  const child: ChildProcess = spawn('/usr/bin/python3', ['-c', RACER, a, b], { uid, gid: uid, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  while (!out.includes('ready\n')) {
    if (child.exitCode !== null) throw new Error(`racer exited ${child.exitCode}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return {
    async stop() {
      child.kill('SIGTERM');
      await once(child, 'exit');
      return Number(out.split('\n')[1]);
    },
  };
}
