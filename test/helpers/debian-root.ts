/**
 * Real Debian 12 root filesystems for the heavy end-to-end stages.
 *
 * Layers are cached once per machine under CACHE_DIR (outside the repo):
 *   bookworm-minbase  debootstrap --variant=minbase, this machine's apt sources
 *   bookworm-node     + Debian's own nodejs (18.x)
 * Each layer is built into a temp dir next to it and renamed into place, under
 * a per-layer flock, so a layer directory that exists is complete. A recipe
 * change must come with a new layer name (the cache is never re-validated).
 * Tests take a throwaway copy with freshRoot() and run commands in it with
 * chrootRun(); systemd-nspawn can boot the same directories.
 *
 * The mirror comes from this machine's apt sources at run time and is never
 * written into the repo (nor into error messages, which land in .cache/).
 */
import { spawn } from 'node:child_process';
import { promises as fsp, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const CACHE_DIR = process.env.RUNNERGUARD_TEST_CACHE ?? '/var/cache/runnerguard-test';
export const SUITE = 'bookworm';
const SCRATCH_DIR = path.join(CACHE_DIR, 'scratch');
const CHROOT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const DEBIAN_KEYRING = /debian-archive-keyring/;

// ---------------------------------------------------------------- apt sources

export interface AptSource {
  types: string[];
  uris: string[];
  suites: string[];
  components: string[];
  signedBy?: string;
  /** The file it came from (for messages). */
  file: string;
}

function parseOneLine(text: string, file: string): AptSource[] {
  const out: AptSource[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const m = /^(deb|deb-src)\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)\s*(.*)$/.exec(line);
    if (!m) continue;
    const opts = Object.fromEntries((m[2] ?? '').trim().split(/\s+/).filter(Boolean).map((o) => o.split('=') as [string, string]));
    out.push({ types: [m[1]!], uris: [m[3]!], suites: [m[4]!], components: m[5]!.split(/\s+/).filter(Boolean), signedBy: opts['signed-by'], file });
  }
  return out;
}

/** deb822 (sources.list(5) "DEB822-STYLE FORMAT"): stanzas separated by blank lines. */
function parseDeb822(text: string, file: string): AptSource[] {
  const out: AptSource[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields: Record<string, string> = {};
    let last: string | undefined;
    for (const raw of stanza.split('\n')) {
      if (raw.startsWith('#')) continue;
      if (/^\s/.test(raw) && last) {
        fields[last] += '\n' + raw.trim(); // continuation line (e.g. an inline Signed-By key)
        continue;
      }
      const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(raw);
      if (m) fields[(last = m[1]!.toLowerCase())] = m[2]!.trim();
    }
    if (!fields.uris || /^(no|false)$/i.test(fields.enabled ?? '')) continue;
    const words = (k: string) => (fields[k] ?? '').split(/\s+/).filter(Boolean);
    out.push({ types: words('types'), uris: words('uris'), suites: words('suites'), components: words('components'), signedBy: fields['signed-by'], file });
  }
  return out;
}

/** Every enabled entry of this machine's apt sources (sources.list, *.list, *.sources). */
export function hostAptSources(etc = '/etc/apt'): AptSource[] {
  const out: AptSource[] = [];
  const main = path.join(etc, 'sources.list');
  if (existsSync(main)) out.push(...parseOneLine(readFileSync(main, 'utf8'), main));
  const dir = path.join(etc, 'sources.list.d');
  for (const name of existsSync(dir) ? readdirSync(dir).sort() : []) {
    const file = path.join(dir, name);
    if (name.endsWith('.list')) out.push(...parseOneLine(readFileSync(file, 'utf8'), file));
    else if (name.endsWith('.sources')) out.push(...parseDeb822(readFileSync(file, 'utf8'), file));
  }
  return out;
}

/**
 * The Debian bookworm entries: binary, suite bookworm or bookworm-*, component
 * main, signed by the Debian archive keyring or unsigned-by (which apt checks
 * against the same keyring). Third-party repos that reuse the codename (docker:
 * "bookworm stable") fall out on the component or the keyring.
 */
export function debianSources(all = hostAptSources()): AptSource[] {
  return all
    .filter((s) => s.types.includes('deb') && s.components.includes('main') && (!s.signedBy || DEBIAN_KEYRING.test(s.signedBy)))
    .map((s) => ({ ...s, types: ['deb'], suites: s.suites.filter((x) => x === SUITE || x.startsWith(`${SUITE}-`)), uris: s.uris.filter((u) => /^(https?|file):/.test(u)) }))
    .filter((s) => s.suites.length > 0 && s.uris.length > 0);
}

/** The mirror debootstrap uses: the first Debian entry carrying the bare suite. */
export function debianMirror(): string {
  const s = debianSources().find((x) => x.suites.includes(SUITE));
  if (!s) throw new Error(`no Debian "${SUITE} main" entry in this machine's apt sources (/etc/apt/sources.list, sources.list.d/*.list, *.sources)`);
  return s.uris[0]!;
}

/** Keeps mirror URLs out of error text (it ends up in .cache/ inside the repo). */
function scrub(text: string): string {
  let out = text;
  try {
    for (const s of debianSources()) for (const u of s.uris) out = out.split(u.replace(/\/+$/, '')).join('<apt mirror>');
  } catch {
    // no sources: nothing to scrub
  }
  return out.replace(/\b(https?|ftp):\/\/[^\s/'"]+/g, '$1://<host>');
}

/** The Debian entries of this machine, as a deb822 file for the chroot's own apt. */
function chrootSourcesFile(root: string): string {
  return debianSources()
    .map((s) => {
      // Keep Signed-By only when that keyring exists inside the root too.
      const signed = s.signedBy && !s.signedBy.includes('\n') && existsSync(path.join(root, s.signedBy)) ? `Signed-By: ${s.signedBy}\n` : '';
      return `Types: deb\nURIs: ${s.uris.join(' ')}\nSuites: ${s.suites.join(' ')}\nComponents: ${s.components.join(' ')}\n${signed}`;
    })
    .join('\n');
}

// ---------------------------------------------------------------- processes

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
  const stdio: Array<'pipe' | 'ignore' | number> = ['pipe', 'pipe', 'pipe'];
  if (opts.lockFd !== undefined) stdio.push(...Array<'ignore'>(6).fill('ignore'), opts.lockFd);
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { env: opts.env ?? process.env, stdio });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdin!.end(opts.input ?? '');
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
async function must(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
  const r = await run(argv, opts);
  if (r.code !== 0) {
    const why = r.timedOut ? `timed out after ${opts.timeoutMs} ms` : `exited ${r.code ?? r.signal}`;
    throw new Error(scrub(`${argv.slice(0, 4).join(' ')} ${why}\n${(r.stderr || r.stdout).slice(-4000)}`));
  }
  return r;
}

// ---------------------------------------------------------------- mounts

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

// ---------------------------------------------------------------- trees

/** Removes a root tree: its mounts first, and never crossing into another filesystem. */
export async function removeRoot(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  await unmountAll(dir);
  await must(['rm', '-rf', '--one-file-system', '--', dir], { timeoutMs: 600_000 });
}

async function copyRoot(from: string, to: string): Promise<void> {
  await must(['cp', '-a', '--reflink=auto', '--', from, to], { timeoutMs: 600_000 });
}

/**
 * Installs packages (names or paths of .deb files already inside the root, as
 * root paths) with apt inside `root`, using the root's apt sources. Services
 * are not started (policy-rc.d) and the downloaded .debs and lists are dropped.
 */
export async function aptInstall(root: string, pkgs: string[], opts: { timeoutMs?: number } = {}): Promise<void> {
  const etc = path.join(root, 'etc');
  const policy = path.join(root, 'usr/sbin/policy-rc.d');
  const resolv = path.join(etc, 'resolv.conf');
  const resolvAside = path.join(etc, 'resolv.conf.runnerguard-test');
  const hadResolv = existsSync(resolv) || (await fsp.lstat(resolv).then(() => true, () => false));
  await fsp.writeFile(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  if (hadResolv) await fsp.rename(resolv, resolvAside);
  await fsp.copyFile('/etc/resolv.conf', resolv);
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  const timeoutMs = opts.timeoutMs ?? 900_000;
  try {
    for (const argv of [
      ['apt-get', 'update', '-q'],
      ['apt-get', 'install', '-y', '-q', '--no-install-recommends', ...pkgs],
      ['apt-get', 'clean'],
    ]) {
      const r = await chrootRun(root, argv, { proc: true, env, timeoutMs });
      if (r.code !== 0) throw new Error(scrub(`chroot ${argv.join(' ')}: ${r.timedOut ? 'timed out' : `exit ${r.code ?? r.signal}`}\n${(r.stderr || r.stdout).slice(-4000)}`));
    }
  } finally {
    await fsp.rm(resolv, { force: true });
    if (hadResolv) await fsp.rename(resolvAside, resolv);
    await fsp.rm(policy, { force: true });
    await fsp.rm(path.join(root, 'var/lib/apt/lists'), { recursive: true, force: true });
    await fsp.mkdir(path.join(root, 'var/lib/apt/lists/partial'), { recursive: true });
  }
}

// ---------------------------------------------------------------- layers

/**
 * An exclusive flock on CACHE_DIR/.NAME.lock held by an fd of this process
 * (taken with flock(1) on the inherited fd), so the kernel drops it if the
 * process dies; builders get the fd too (RunOptions.lockFd).
 */
async function withLock<T>(name: string, fn: (fd: number) => Promise<T>): Promise<T> {
  mkdirSync(CACHE_DIR, { recursive: true, mode: 0o755 });
  const fd = openSync(path.join(CACHE_DIR, `.${name}.lock`), 'a');
  try {
    const r = await run(['flock', '--exclusive', '--wait', '3600', '9'], { lockFd: fd, timeoutMs: 3_700_000 });
    if (r.code !== 0) throw new Error(`could not lock the ${name} layer: ${r.stderr.trim()}`);
    return await fn(fd);
  } finally {
    closeSync(fd);
  }
}

export interface LayerInfo {
  name: string;
  builtAt: string;
  buildSeconds: number;
  [k: string]: unknown;
}

const building = new Map<string, Promise<string>>();

/**
 * The cached layer CACHE_DIR/NAME, built by `build(tmpRoot, lockFd)` into a
 * temp dir and renamed into place when missing. Leftovers of interrupted
 * builds (temp dirs, their mounts) are swept under the lock. Returns the path.
 */
export function ensureLayer(name: string, build: (tmpRoot: string, lockFd: number) => Promise<Record<string, unknown> | void>): Promise<string> {
  const known = building.get(name);
  if (known) return known;
  const p = (async () => {
    const final = path.join(CACHE_DIR, name);
    if (existsSync(final)) return final;
    return withLock(name, async (fd) => {
      if (existsSync(final)) return final; // another process built it while we waited
      for (const e of readdirSync(CACHE_DIR)) if (e.startsWith(`.tmp-${name}-`)) await removeRoot(path.join(CACHE_DIR, e));
      const tmp = path.join(CACHE_DIR, `.tmp-${name}-${process.pid}-${Date.now().toString(36)}`);
      const started = Date.now();
      try {
        const extra = await build(tmp, fd);
        if (mountsUnder(tmp).length) throw new Error(`the ${name} build left mounts behind: ${mountsUnder(tmp).join(' ')}`);
        await fsp.rename(tmp, final);
        const info: LayerInfo = { name, builtAt: new Date().toISOString(), buildSeconds: Math.round((Date.now() - started) / 1000), ...(extra ?? {}) };
        await fsp.writeFile(`${final}.json.tmp`, JSON.stringify(info, null, 2) + '\n');
        await fsp.rename(`${final}.json.tmp`, `${final}.json`);
      } catch (err) {
        await removeRoot(tmp).catch(() => {});
        throw err;
      }
      return final;
    });
  })();
  building.set(name, p);
  p.catch(() => building.delete(name));
  return p;
}

/** Build facts of a layer (CACHE_DIR/NAME.json), when it was built by ensureLayer. */
export function layerInfo(name: string): LayerInfo | undefined {
  try {
    return JSON.parse(readFileSync(path.join(CACHE_DIR, `${name}.json`), 'utf8')) as LayerInfo;
  } catch {
    return undefined;
  }
}

/** Debian 12 minbase from this machine's mirror, apt pointed at this machine's Debian sources. */
export function ensurePristineBookworm(): Promise<string> {
  return ensureLayer(`${SUITE}-minbase`, async (tmp, fd) => {
    const mirror = debianMirror();
    await must(['debootstrap', '--variant=minbase', SUITE, tmp, mirror], { timeoutMs: 1_800_000, lockFd: fd, env: { ...process.env, LANG: 'C.UTF-8' } });
    await fsp.writeFile(path.join(tmp, 'etc/apt/sources.list'), '');
    await fsp.writeFile(path.join(tmp, 'etc/apt/sources.list.d/debian.sources'), chrootSourcesFile(tmp));
    const version = (await must(['debootstrap', '--version'])).stdout.trim();
    return { debootstrap: version, variant: 'minbase' };
  });
}

/** The pristine root plus Debian's own nodejs package. */
export function ensureBookwormNode(): Promise<string> {
  return ensureLayer(`${SUITE}-node`, async (tmp) => {
    await copyRoot(await ensurePristineBookworm(), tmp);
    await aptInstall(tmp, ['nodejs']);
    const node = await chrootRun(tmp, ['dpkg-query', '-W', '-f=${Version}', 'nodejs']);
    return { nodejs: node.stdout.trim() };
  });
}

export const LAYERS = { minbase: ensurePristineBookworm, node: ensureBookwormNode } as const;

// ---------------------------------------------------------------- scratch roots

export interface FreshRoot {
  /** The root directory on this machine. */
  dir: string;
  /** This machine's path for a path inside the root. */
  p(target: string): string;
  run(argv: string[], opts?: ChrootOptions): Promise<RunResult>;
  cleanup(): Promise<void>;
}

/** Scratch roots of processes that no longer exist (an interrupted run). */
async function sweepScratch(): Promise<void> {
  for (const e of existsSync(SCRATCH_DIR) ? readdirSync(SCRATCH_DIR) : []) {
    const pid = Number(/-(\d+)-[0-9a-z]+$/.exec(e)?.[1]);
    if (!pid) continue;
    try {
      process.kill(pid, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') await removeRoot(path.join(SCRATCH_DIR, e));
    }
  }
}

/** A throwaway copy of a cached layer (default: the pristine root) for one test. */
export async function freshRoot(name: string, opts: { layer?: keyof typeof LAYERS } = {}): Promise<FreshRoot> {
  const base = await LAYERS[opts.layer ?? 'minbase']();
  mkdirSync(SCRATCH_DIR, { recursive: true, mode: 0o700 });
  await sweepScratch();
  const dir = path.join(SCRATCH_DIR, `${name.replace(/[^A-Za-z0-9_.-]/g, '_')}-${process.pid}-${Date.now().toString(36)}`);
  await copyRoot(base, dir);
  return {
    dir,
    p: (target) => path.join(dir, target),
    run: (argv, o) => chrootRun(dir, argv, o),
    cleanup: () => removeRoot(dir),
  };
}
