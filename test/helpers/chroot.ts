// Processes with a tree-killing timeout, chroot(8) with minimal, always
// unmounted /proc, /sys and /dev mounts, and mount-safe removal of root trees.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { scrub } from './apt-sources.js';

const CHROOT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  durationMs: number;
}

export interface RunOptions {
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  input?: string;
  /** An fd the child inherits as fd 9 (keeps a layer lock held by orphaned builders). */
  lockFd?: number;
}

/** Every descendant of `pid` (from /proc), deepest last. */
function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      parent.set(Number(e), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [c, pp] of parent) if (pp === p) (out.push(c), walk(c));
  };
  walk(pid);
  return out;
}

/**
 * Runs argv with a timeout that kills the whole tree (apt, dpkg and
 * debootstrap fork helpers that a plain execFile timeout would orphan). Not a
 * separate process group, so Ctrl-C still reaches every process.
 */
export function run(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
  const started = Date.now();
  const stdio: Array<'pipe' | 'ignore' | number> = [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'];
  if (opts.lockFd !== undefined) stdio.push(...Array<'ignore'>(6).fill('ignore'), opts.lockFd);
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { env: opts.env ?? process.env, stdio });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    if (opts.input !== undefined) child.stdin!.on('error', () => {}).end(opts.input); // a child that exits early must not EPIPE us
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          for (const pid of [child.pid!, ...descendants(child.pid!)]) {
            try {
              process.kill(pid, 'SIGKILL');
            } catch {
              // already gone
            }
          }
        }, opts.timeoutMs)
      : undefined;
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut, durationMs: Date.now() - started });
    });
  });
}

/** run(), throwing a mirror-free message on a non-zero exit or a timeout. */
export async function must(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
  const r = await run(argv, opts);
  if (r.code !== 0) {
    const why = r.timedOut ? `timed out after ${opts.timeoutMs} ms` : `exited ${r.code ?? r.signal}`;
    throw new Error(scrub(`${argv.slice(0, 4).join(' ')} ${why}\n${(r.stderr || r.stdout).slice(-4000)}`));
  }
  return r;
}


/** Mount points at or below `dir` (from /proc/self/mountinfo), deepest first. */
export function mountsUnder(dir: string): string[] {
  const abs = path.resolve(dir);
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m): m is string => !!m)
    .map((m) => m.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((m) => m === abs || m.startsWith(abs + '/'))
    .sort((a, b) => b.length - a.length);
}

async function unmountAll(dir: string): Promise<void> {
  for (const m of mountsUnder(dir)) {
    const r = await run(['umount', m], { timeoutMs: 30_000 });
    if (r.code !== 0) await run(['umount', '--lazy', m], { timeoutMs: 30_000 });
  }
}

/** Device nodes a chroot needs when its own /dev is not enough. */
const DEV_NODES = ['null', 'zero', 'full', 'random', 'urandom', 'tty'];

export interface ChrootOptions extends RunOptions {
  /** Mount a proc filesystem on ROOT/proc for the command (unmounted after). */
  proc?: boolean;
  /** Mount a read-only sysfs on ROOT/sys (lsblk and friends on a live audit). */
  sys?: boolean;
  /** Bind the few host device nodes in DEV_NODES over ROOT/dev/* (unmounted after). */
  dev?: boolean;
}

/** Runs argv inside `root` with chroot(8): a clean env (PATH, HOME, LANG) plus opts.env. */
export async function chrootRun(root: string, argv: string[], opts: ChrootOptions = {}): Promise<RunResult> {
  const mounted: string[] = [];
  try {
    if (opts.proc) {
      const p = path.join(root, 'proc');
      mkdirSync(p, { recursive: true });
      await must(['mount', '-t', 'proc', '-o', 'nosuid,nodev,noexec', 'proc', p], { timeoutMs: 30_000 });
      mounted.push(p);
    }
    if (opts.sys) {
      const p = path.join(root, 'sys');
      mkdirSync(p, { recursive: true });
      await must(['mount', '-t', 'sysfs', '-o', 'ro,nosuid,nodev,noexec', 'sysfs', p], { timeoutMs: 30_000 });
      mounted.push(p);
    }
    if (opts.dev) {
      for (const n of DEV_NODES) {
        const p = path.join(root, 'dev', n);
        if (!existsSync(`/dev/${n}`)) continue;
        mkdirSync(path.dirname(p), { recursive: true });
        if (!existsSync(p)) closeSync(openSync(p, 'w'));
        await must(['mount', '--bind', `/dev/${n}`, p], { timeoutMs: 30_000 });
        mounted.push(p);
      }
    }
    const env = { PATH: CHROOT_PATH, HOME: '/root', LANG: 'C.UTF-8', ...opts.env };
    return await run(['chroot', root, ...argv], { ...opts, env, timeoutMs: opts.timeoutMs ?? 120_000 });
  } finally {
    for (const m of mounted.reverse()) {
      const r = await run(['umount', m], { timeoutMs: 30_000 });
      if (r.code !== 0) await run(['umount', '--lazy', m], { timeoutMs: 30_000 });
    }
  }
}


/** Removes a root tree: its mounts first, and never crossing into another filesystem. */
export async function removeRoot(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  await unmountAll(dir);
  await must(['rm', '-rf', '--one-file-system', '--', dir], { timeoutMs: 600_000 });
}

export async function copyRoot(from: string, to: string): Promise<void> {
  await must(['cp', '-a', '--reflink=auto', '--', from, to], { timeoutMs: 600_000 });
}
