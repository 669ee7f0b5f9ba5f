import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { ListedDir, WalkStats } from '../util/walk.js';
import type { UnitDone, UnitMessage } from './scan-messages.js';
import { newTally } from './scan-visitor.js';
import type { TreeScanResult } from './tree-scan.js';

declare const __RUNNERGUARD_SCAN_WORKER__: string | undefined;

/** Job dirs handed to worker threads by every scan of this process: lets a test see the threads really worked. */
export const scanPoolActivity = { handed: 0, shards: 0 };
/** Tests: start the threads before the walk and wait for them, so a small tree is shared whatever the machine's load. */
export const scanPoolTesting = { warmFirst: false };

/**
 * Threads are started when the scan meets its second job dir or group: a
 * worker takes ~50 ms to start, on another core, while the scan goes on
 * alone; a builds dir of one job dir has nothing to share.
 */
const START_AFTER = 2;
/**
 * Work handed to one worker and not yet done, in job dirs (a group counts
 * as GROUP_WEIGHT). The scan's walk sees the workers' answers only between
 * dirs (it yields every 64), and a job dir of a few dozen files takes a
 * worker well under a millisecond: a short queue leaves it idle, a long one
 * leaves the scan waiting on it at the end. Past it, the scan's walk takes
 * the job dir or group itself.
 */
const IN_FLIGHT = 16;
const GROUP_WEIGHT = 8;
/** How long a worker has to stop once told (it stops between dirs); past it, it is terminated. */
const ABORT_GRACE_MS = 2_000;
/** `[agent] scan_threads` past this counts as this: each thread is an isolate of its own (~10 MB). */
export const MAX_THREADS = 16;
const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

interface Unit {
  id: number;
  fd: number;
  rel: string;
  unit: UnitMessage['unit'];
  weight: number;
}

interface Thread {
  worker: Worker;
  ready: boolean;
  alive: boolean;
  /** Weight of the units it holds. */
  load: number;
  units: Map<number, Unit>;
}

/**
 * Worker threads that walk job dirs for one build scan while the scan's own
 * walk goes on with the rest: on a warm cache the walk is bound by syscalls
 * and by building names in JS, and a second core halves it. A job dir is
 * handed over as the handle the scan's walk already holds (re-opened through
 * `/proc/<pid>/fd/N/.`: no path, nothing a job could swap), so a worker
 * never follows a link the single-threaded walk would not. What each worker
 * finds comes back as counts and bounded samples: memory stays flat.
 */
export class ScanPool {
  private readonly threads: Thread[] = [];
  private seen = 0;
  private nextId = 0;
  private starting: Promise<void> | null = null;
  private idle: (() => void) | null = null;
  private aborted = false;

  constructor(
    /** Worker threads to use beside the scan's own (0: none). */
    private readonly size: number,
    private readonly base: string,
    private readonly cutoffMs: number,
    /** Takes what a worker found in a part of the tree. */
    private readonly found: (r: TreeScanResult) => void,
    signal?: AbortSignal,
  ) {
    if (signal?.aborted) this.aborted = true;
    signal?.addEventListener('abort', () => this.abort(), { once: true });
  }

  /**
   * What the workers walked (added to the scan's own walk's stats), and the
   * parts they could not: said so, and a job dir among them is not judged.
   */
  private readonly stats: WalkStats = { files: 0, dirs: 0, unreadable: 0, aborted: false, notWalked: 0 };

  /** A job dir or group (its listing just made) to a worker if one has room: true when taken (the caller skips its entries). */
  offer(d: ListedDir, unit: UnitMessage['unit']): boolean {
    if (this.size === 0 || this.aborted) return false;
    if (!this.starting) {
      if (++this.seen < START_AFTER) return false;
      this.starting = this.start();
    }
    const weight = unit.kind === 'group' ? GROUP_WEIGHT : 1;
    const t = this.threads.filter((x) => x.ready && x.load + weight <= IN_FLIGHT).sort((a, b) => a.load - b.load)[0];
    if (!t) return false;
    let fd: number;
    try {
      // The handle the walk lists it through, opened again through itself: the same dir whatever happened to its name.
      fd = openSync(`${d.path}/.`, DIR_FLAGS);
    } catch {
      return false; // the scan's own walk goes on with it, and reports what it meets
    }
    const st = fstatSync(fd);
    const rel = d.rel;
    const u: Unit = { id: this.nextId++, fd, rel, unit, weight };
    t.units.set(u.id, u);
    t.load += weight;
    scanPoolActivity.handed++;
    if (unit.kind === 'group' && unit.shard) scanPoolActivity.shards++;
    const msg: UnitMessage = { type: 'unit', id: u.id, base: this.base, cutoffMs: this.cutoffMs, unit, from: { fd, dev: st.dev, ino: st.ino, shown: rel.split('/'), exact: d.exact, parentMtimeMs: d.parentMtimeMs ?? 0 } };
    t.worker.postMessage(msg);
    return true;
  }

  /** Starts the threads now and waits until each can take job dirs (a test's way to skip the warm-up). */
  async warm(): Promise<void> {
    await (this.starting ??= this.start());
    while (this.threads.some((t) => !t.ready && t.alive)) await new Promise((r) => setTimeout(r, 5));
  }

  /** Waits for every job dir handed out, then stops the threads; what they walked. */
  async finish(): Promise<WalkStats> {
    await this.starting;
    while (this.threads.some((t) => t.units.size > 0)) await new Promise<void>((r) => (this.idle = r));
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
    return this.stats;
  }

  private async start(): Promise<void> {
    const { Worker } = await import('node:worker_threads');
    const source = await scanWorkerSource();
    for (let i = 0; i < this.size; i++) {
      // A worker's heap is bounded too: it keeps samples, not per-file state.
      const worker = new Worker(source, { eval: true, resourceLimits: { maxOldGenerationSizeMb: 64 }, stdout: false, stderr: false });
      const t: Thread = { worker, ready: false, alive: true, load: 0, units: new Map() };
      worker.on('message', (m: { type: 'ready' } | UnitDone) => (m.type === 'ready' ? (t.ready = true) : this.done(t, m)));
      worker.on('error', (err) => this.fail(t, err.message));
      worker.on('exit', (code) => this.fail(t, `exited with code ${code}`));
      worker.unref();
      this.threads.push(t);
    }
  }

  private done(t: Thread, m: UnitDone): void {
    const u = t.units.get(m.id);
    if (!u) return;
    t.units.delete(m.id);
    t.load -= u.weight;
    closeSync(u.fd);
    if ('error' in m) this.lost(u, m.error);
    else {
      addStats(this.stats, m.result.stats);
      this.found(m.result);
    }
    this.wake();
  }

  /** A thread died: what it held is reported as not scanned, never as clean. */
  private fail(t: Thread, why: string): void {
    t.ready = false;
    t.alive = false;
    for (const u of t.units.values()) {
      closeSync(u.fd);
      this.lost(u, `scan thread failed: ${why}`);
    }
    t.units.clear();
    t.load = 0;
    this.wake();
  }

  private lost(u: Unit, why: string): void {
    this.stats.unreadable++;
    const tally = newTally();
    tally.unreadable.add(`${this.base}/${u.rel} (${why})`);
    // A job dir whose stamps are unknown is not judged old on its mtime alone.
    const jobs = u.unit.kind === 'job' ? [{ ...u.unit.job, lastUsedMs: Number.POSITIVE_INFINITY }] : [];
    this.found({ jobs, tally, old: { items: [], count: 0 }, stats: this.stats });
  }

  private wake(): void {
    const r = this.idle;
    this.idle = null;
    r?.();
  }

  private abort(): void {
    this.aborted = true;
    for (const t of this.threads) {
      t.worker.postMessage({ type: 'abort' });
      const timer = setTimeout(() => void t.worker.terminate(), ABORT_GRACE_MS);
      timer.unref();
    }
  }
}

export function addStats(into: WalkStats, from: WalkStats): void {
  into.files += from.files;
  into.dirs += from.dirs;
  into.unreadable += from.unreadable;
  into.notWalked += from.notWalked;
  into.aborted ||= from.aborted;
}

/**
 * Worker threads for a scan beside its own: `[agent] scan_threads` less
 * one. One thread is the default: on the 2-core machine the bench runs on,
 * a worker makes a scan faster only on trees of many tiny dirs (0.89x du
 * against 1.22x), and slower, at 1.3-1.6x the CPU, on trees of small
 * checkouts; a CI host has jobs to run. 0: one per CPU this process may
 * use, at most 4; the packaged unit's CPUQuota=50% is half a CPU, so none
 * there (a second thread would only share the same quota).
 */
export function scanWorkers(configured: number, cpus = Math.min(os.availableParallelism?.() ?? os.cpus().length, cgroupCpus())): number {
  if (configured > 0) return Math.min(configured, MAX_THREADS) - 1;
  return Math.max(1, Math.floor(Math.min(cpus, 4))) - 1;
}

/** CPUs the cgroup v2 limits of this process allow (cpu.max, the tightest up its hierarchy); Infinity when none. */
export function cgroupCpus(procSelfCgroup = '/proc/self/cgroup', cgroupRoot = '/sys/fs/cgroup'): number {
  let limit = Number.POSITIVE_INFINITY;
  try {
    const line = readFileSync(procSelfCgroup, 'utf8').split('\n').find((l) => l.startsWith('0::'));
    if (!line) return limit;
    const parts = line.slice(3).split('/').filter(Boolean);
    for (let i = parts.length; i >= 0; i--) {
      let max: string;
      try {
        max = readFileSync(`${cgroupRoot}/${parts.slice(0, i).join('/')}/cpu.max`, 'utf8');
      } catch {
        continue;
      }
      const [quota, period] = max.trim().split(/\s+/);
      if (quota !== undefined && quota !== 'max' && Number(period) > 0) limit = Math.min(limit, Number(quota) / Number(period));
    }
  } catch {
    /* no cgroup v2: no limit known */
  }
  return limit;
}

/** The worker's code: embedded in the bundle at build time; built from the source when running from it (tests). */
let builtSource: string | undefined;
async function scanWorkerSource(): Promise<string> {
  if (typeof __RUNNERGUARD_SCAN_WORKER__ === 'string') return __RUNNERGUARD_SCAN_WORKER__;
  if (builtSource !== undefined) return builtSource;
  const { buildSync } = await import('esbuild'); // external to the bundle, which never gets here
  const out = buildSync({ entryPoints: [new URL('./scan-worker.ts', import.meta.url).pathname], bundle: true, platform: 'node', format: 'cjs', target: 'node18.20', write: false, logLevel: 'warning' });
  return (builtSource = out.outputFiles[0]!.text);
}
