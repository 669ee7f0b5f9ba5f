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
import { promises as fsp, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chrootSourcesFile, debianMirror, debianSources, scrub, SUITE } from './apt-sources.js';
import { chrootRun, copyRoot, mountsUnder, must, removeRoot, run, type ChrootOptions, type RunResult } from './chroot.js';

export * from './apt-sources.js';
export * from './chroot.js';

export const CACHE_DIR = process.env.RUNNERGUARD_TEST_CACHE ?? '/var/cache/runnerguard-test';
const SCRATCH_DIR = path.join(CACHE_DIR, 'scratch');

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
  const hadResolv = await fsp.lstat(resolv).then(() => true, () => false); // may be a dangling link
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
    // apt inside the root needs CA certificates when a source is https (minbase has none).
    const https = debianSources().some((s) => s.uris.some((u) => u.startsWith('https:')));
    await must(['debootstrap', '--variant=minbase', ...(https ? ['--include=ca-certificates'] : []), SUITE, tmp, mirror], { timeoutMs: 1_800_000, lockFd: fd, env: { ...process.env, LANG: 'C.UTF-8' } });
    await fsp.writeFile(path.join(tmp, 'etc/apt/sources.list'), '');
    await fsp.writeFile(path.join(tmp, 'etc/apt/sources.list.d/debian.sources'), chrootSourcesFile(tmp));
    const version = (await must(['debootstrap', '--version'])).stdout.trim();
    return { debootstrap: version, variant: 'minbase' };
  });
}

/** The pristine root plus Debian's own nodejs package. */
export async function ensureBookwormNode(): Promise<string> {
  const base = await ensurePristineBookworm();
  return ensureLayer(`${SUITE}-node`, async (tmp) => {
    await copyRoot(base, tmp);
    await aptInstall(tmp, ['nodejs']);
    const node = await chrootRun(tmp, ['dpkg-query', '-W', '-f=${Version}', 'nodejs']);
    return { nodejs: node.stdout.trim() };
  });
}

export const LAYERS = { minbase: ensurePristineBookworm, node: ensureBookwormNode } as const;


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

/**
 * A throwaway copy of the root tree `base` under the scratch dir (made here if
 * this is the first on a clean machine; leftovers of dead runs swept), named
 * after `name` and this process. Remove it with removeRoot.
 */
export async function scratchCopy(base: string, name: string): Promise<string> {
  mkdirSync(SCRATCH_DIR, { recursive: true, mode: 0o700 });
  await sweepScratch();
  const dir = path.join(SCRATCH_DIR, `${name.replace(/[^A-Za-z0-9_.-]/g, '_')}-${process.pid}-${Date.now().toString(36)}`);
  await copyRoot(base, dir);
  return dir;
}

/** A throwaway copy of a cached layer (default: the pristine root) for one test. */
export async function freshRoot(name: string, opts: { layer?: keyof typeof LAYERS } = {}): Promise<FreshRoot> {
  const dir = await scratchCopy(await LAYERS[opts.layer ?? 'minbase'](), name);
  return {
    dir,
    p: (target) => path.join(dir, target),
    run: (argv, o) => chrootRun(dir, argv, o),
    cleanup: () => removeRoot(dir),
  };
}
