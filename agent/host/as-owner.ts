import { spawn } from 'node:child_process';
import type { Actor } from './safe-path.js';

// Inside a tree another user owns, root does not act itself: a child process
// with that user's uid and gid does (libuv drops the supplementary groups).
// Whatever the user swaps in meanwhile, the worst case is what the user could
// do itself. The directory to act in is the child's fd 3, opened by the parent
// through the safe walk; every name is relative to it.

export type OwnerOp =
  /** Unlinks `name` if it is still inode dev:ino. */
  | { op: 'unlink'; name: string; dev: number; ino: number }
  /** stdin becomes `name`: written to a fresh temp name, fsynced, renamed over (or, `exclusive`, created where nothing is). */
  | { op: 'write'; name: string; mode: number; exclusive?: boolean }
  | { op: 'rename'; from: string; to: string }
  | { op: 'mkdir'; name: string; mode: number }
  | { op: 'rmdir'; name: string }
  /** chmod of `name` if it is still inode dev:ino (sockets cannot be opened, so this is by name). */
  | { op: 'chmod'; name: string; mode: number; dev: number; ino: number };

/** The child program (CommonJS for `node -e`): one op, its result as JSON on stdout. */
const CHILD = String.raw`
const fs = require('fs');
const op = JSON.parse(process.argv[1]);
const at = (n) => '/proc/self/fd/3/' + n;
const same = (st) => st.dev === op.dev && st.ino === op.ino;
const out = (o) => process.stdout.write(JSON.stringify(o));
try {
  if (op.op === 'unlink' || op.op === 'chmod') {
    const st = fs.lstatSync(at(op.name));
    if (!same(st)) { out({ changed: true }); process.exit(0); }
    if (op.op === 'unlink') fs.unlinkSync(at(op.name));
    else if (st.isSymbolicLink()) throw Object.assign(new Error('is a symlink'), { code: 'ELOOP' });
    else fs.chmodSync(at(op.name), op.mode);
  } else if (op.op === 'write') {
    const chunks = [];
    for (let n, b = Buffer.alloc(65536); (n = fs.readSync(0, b, 0, b.length, null)) > 0; ) chunks.push(Buffer.from(b.subarray(0, n)));
    const data = Buffer.concat(chunks);
    const name = op.exclusive ? op.name : '.' + op.name + '.' + process.pid + '.' + Date.now() + '.rg-tmp';
    const fd = fs.openSync(at(name), fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o600);
    try { fs.writeSync(fd, data); fs.fchmodSync(fd, op.mode); fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
    if (!op.exclusive) fs.renameSync(at(name), at(op.name));
    const st = fs.lstatSync(at(op.name));
    out({ dev: st.dev, ino: st.ino });
    process.exit(0);
  } else if (op.op === 'rename') fs.renameSync(at(op.from), at(op.to));
  else if (op.op === 'mkdir') fs.mkdirSync(at(op.name), op.mode);
  else if (op.op === 'rmdir') fs.rmdirSync(at(op.name));
  out({});
} catch (e) {
  out({ error: e.code || String(e), message: String(e.message) });
}
`;

const TIMEOUT_MS = 30_000;

export interface OwnerResult {
  dev?: number;
  ino?: number;
  /** The entry is no longer the planned one: nothing was done. */
  changed?: boolean;
}

/** Why an act as the owner failed: `code` is the errno the owner got (EACCES: not the owner's to change). */
export class OwnerError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'OwnerError';
    this.code = code;
  }
}

interface Spawned {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], actor: Actor, dirFd: number, input: Buffer | undefined, timeoutMs: number): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { uid: actor.uid, gid: actor.gid, stdio: ['pipe', 'pipe', 'pipe', dirFd], cwd: '/', env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' }, timeout: timeoutMs, killSignal: 'SIGKILL' });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    const cap = (arr: Buffer[]) => (b: Buffer) => {
      if ((size += b.length) <= 1024 * 1024) arr.push(b);
    };
    child.stdout!.on('data', cap(out));
    child.stderr!.on('data', cap(err));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal) reject(new OwnerError('ETIMEDOUT', `${file} as uid ${actor.uid} ended by ${signal} (timeout ${timeoutMs} ms)`));
      else resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
    child.stdin!.on('error', () => undefined); // a child that exits early
    child.stdin!.end(input ?? Buffer.alloc(0));
  });
}

/** Runs one op in the directory `dirFd` with the actor's uid and gid. */
export async function asOwner(actor: Actor, dirFd: number, op: OwnerOp, input?: Buffer): Promise<OwnerResult> {
  const r = await run(process.execPath, ['-e', CHILD, JSON.stringify(op)], actor, dirFd, input, TIMEOUT_MS);
  let res: OwnerResult & { error?: string; message?: string };
  try {
    res = JSON.parse(r.stdout) as typeof res;
  } catch {
    throw new OwnerError('EIO', `${op.op} as uid ${actor.uid} failed: ${r.stderr.trim().split('\n')[0] || `exit ${r.code}`}`);
  }
  if (res.error) throw new OwnerError(res.error, `${op.op} ${'name' in op ? op.name : op.from} as uid ${actor.uid} (${actor.why}): ${res.message}`);
  return res;
}

/**
 * Deletes `name` (a tree) in `dirFd` as the actor: GNU rm walks it with
 * openat and never follows a link, on one filesystem.
 */
export async function removeTreeAsOwner(actor: Actor, dirFd: number, name: string, timeoutMs = 10 * 60_000): Promise<void> {
  const r = await run('rm', ['-rf', '--one-file-system', '--', `/proc/self/fd/3/${name}`], actor, dirFd, undefined, timeoutMs);
  if (r.code !== 0) throw new OwnerError('EACCES', `rm -rf as uid ${actor.uid} (${actor.why}): ${r.stderr.trim().split('\n').slice(0, 2).join(' / ') || `exit ${r.code}`}`);
}
