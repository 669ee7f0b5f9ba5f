import type { Logger } from 'pino';
import { normalizeCron } from '../config/cron.js';
import type { AgentConfig } from '../config/schema.js';
import { releaseLockOf } from '../delivery/lock.js';
import * as cron from './cron-timer.js';
import type { ScheduledTask } from './cron-timer.js';
import { spawnCycle } from './cycle-child.js';
import { TickDelay } from './jitter.js';

export interface DaemonOptions {
  config: AgentConfig;
  /** Loads the config again on SIGHUP (throws ConfigError on a bad file). */
  reload: () => Promise<AgentConfig>;
  only?: string[];
  skip?: string[];
  root?: string;
  log: Logger;
  /** The full program each cycle child runs (cycle-child.ts). */
  cycleScript: string;
}

/**
 * `runnerguard daemon`: the same cycle as `runnerguard run` (in a child, see
 * cycle-child.ts), on the config's cron schedule. Never two cycles at once: a
 * tick is skipped while a cycle runs, and the run lock in the state dir keeps
 * the daemon and a timer or manual `run` apart.
 */
export class Daemon {
  private config: AgentConfig;
  private task: ScheduledTask | undefined;
  /** This host's stable offset into each tick (jitter.ts). */
  private delay: TickDelay | undefined;
  private current: { pid: number; kill: () => void; done: Promise<void> } | null = null;
  private reloading: Promise<void> = Promise.resolve();
  private stopping = false;
  private resolveDone!: (code: number) => void;
  /** Resolves with the exit code once the daemon has stopped. */
  readonly done: Promise<number>;

  constructor(private readonly opts: DaemonOptions) {
    this.config = opts.config;
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  start(): void {
    this.schedule();
    this.opts.log.info({ schedule: this.config.agent.schedule, next: this.task?.getNextRun()?.toISOString(), tickOffsetFraction: this.delay?.fraction, pid: process.pid }, 'daemon started');
  }

  private schedule(): void {
    this.delay = TickDelay.forHost(this.config.agent.schedule);
    this.task = cron.schedule(normalizeCron(this.config.agent.schedule), (ctx) => this.offsetTick(ctx.date), { name: 'runnerguard' });
  }

  /** The cron tick, deferred by this host's stable offset (jitter.ts): a fleet does not post in the same second. */
  private offsetTick(at: Date): void {
    const next = this.task?.getNextRun();
    const max = this.config.agent.tick_offset_max_ms;
    this.opts.log.debug({ tickAt: at.toISOString(), next: next?.toISOString(), offsetMs: this.delay?.offsetFor(at, next, max) }, 'tick: waiting for this host\'s offset');
    this.delay?.defer(at, next, max, () => this.tick());
  }

  private unschedule(): void {
    this.delay?.cancel();
    this.task?.stop();
    this.task?.destroy();
    this.task = undefined;
  }

  /** A tick while a cycle still runs is skipped, not queued: the next tick audits fresher state anyway. */
  private tick(): void {
    if (this.stopping) return;
    if (this.current) {
      this.opts.log.warn('previous cycle still running: this tick is skipped');
      return;
    }
    const { log, only, skip, root, cycleScript } = this.opts;
    const { child, exited } = spawnCycle({ config: this.config, only, skip, root }, cycleScript);
    log.debug({ pid: child.pid }, 'cycle started');
    const done = exited.then(({ code, signal }) => {
      this.current = null;
      // The spawn's native buffers are freed only when their JS wrappers are collected;
      // an idle heap is rarely collected by itself, so RSS would creep up a cycle at a time. gc is there when the
      // daemon runs with --expose-gc (/usr/bin/runnerguard starts it so).
      (globalThis as { gc?: () => void }).gc?.();
      // 0/1: the audit's outcome; 2: the run lock is held by a timer or manual run (skipped); else a failure.
      if (code === 0 || code === 1) log.debug({ pid: child.pid, code }, 'cycle finished');
      else if (code === 2) log.warn({ pid: child.pid, code }, 'cycle skipped (see the message above)');
      else log.error({ pid: child.pid, code, signal }, 'cycle failed; the daemon keeps its schedule');
    });
    this.current = { pid: child.pid ?? -1, kill: () => child.kill('SIGKILL'), done };
  }

  /** SIGHUP: a good new config replaces the old one (next cycle on); a bad one is logged and ignored. */
  reload(): Promise<void> {
    this.reloading = this.reloading.then(async () => {
      if (this.stopping) return;
      let next: AgentConfig;
      try {
        next = await this.opts.reload();
      } catch (err) {
        this.opts.log.error({ error: (err as Error).message }, 'config reload failed: keeping the previous config');
        return;
      }
      const rescheduled = next.agent.schedule !== this.config.agent.schedule;
      this.config = next;
      if (rescheduled && !this.stopping) {
        this.unschedule();
        this.schedule();
      }
      this.opts.log.info({ schedule: next.agent.schedule, rescheduled, next: this.task?.getNextRun()?.toISOString() }, 'config reloaded');
    });
    return this.reloading;
  }

  /**
   * SIGTERM/SIGINT: no new cycle; the current one gets stop_timeout_ms to
   * finish. Past that it is killed: its report is already spooled (written
   * before any network I/O, atomically) and its lock is released, so nothing
   * is lost and the next run starts at once.
   */
  async stop(signal: string): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.unschedule();
    const { log } = this.opts;
    const running = this.current;
    if (running) {
      const grace = this.config.agent.stop_timeout_ms;
      log.info({ signal, graceMs: grace }, 'stopping: waiting for the current cycle');
      let timer: NodeJS.Timeout | undefined;
      const finished = await Promise.race([running.done.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), grace)))]);
      clearTimeout(timer);
      if (!finished) {
        running.kill();
        await running.done;
        await this.releaseLockOf(running.pid);
        log.warn({ signal }, 'stopping: current cycle abandoned; its report stays in the spool for the next run');
      }
    }
    log.info({ signal }, 'daemon stopped');
    this.resolveDone(0);
  }

  /** The lock of an abandoned cycle, removed only when its killed child still holds it. */
  private async releaseLockOf(pid: number): Promise<void> {
    await releaseLockOf(this.config.agent.state_dir, pid);
  }
}
