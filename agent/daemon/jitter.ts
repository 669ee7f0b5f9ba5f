import { createHash } from 'node:crypto';
import { closeSync, constants as C, fstatSync, openSync, readSync } from 'node:fs';
import os from 'node:os';

/**
 * A stable per-host offset for the daemon's ticks. 10,000 daemons on
 * `*\/30 * * * *` would otherwise all audit and post within the same second.
 * The offset is a fraction of the window derived from the machine id and
 * the schedule (SHA-256), not drawn at random: a restart, an upgrade or a
 * reboot does not move a host within the window, so a collector sees the
 * same flat spread every cycle, and an operator can tell when a host posts.
 */

/** The fraction of the window this host waits, in [0, 1): the first 48 bits of SHA-256(machine id NUL schedule). */
export function offsetFraction(machineId: string, schedule: string): number {
  const h = createHash('sha256').update(`${machineId}\0${schedule.trim().split(/\s+/).join(' ')}`).digest();
  return h.readUIntBE(0, 6) / 2 ** 48;
}

/**
 * The offset of one tick: the fraction of a window of tick_offset_max_ms, but
 * never more than half the gap to the next tick, so a delayed cycle still
 * starts (and usually ends) before the next one is due.
 */
export function tickOffsetMs(fraction: number, maxMs: number, gapToNextMs: number | undefined): number {
  const bound = Math.max(0, Math.min(maxMs, gapToNextMs === undefined ? maxMs : gapToNextMs / 2));
  return Math.floor(fraction * bound);
}

/** A small regular file's text, not through a link and never blocking on a FIFO; null otherwise. */
function readSmall(file: string): string | null {
  let fd: number | undefined;
  try {
    fd = openSync(file, C.O_RDONLY | C.O_NOFOLLOW | C.O_NONBLOCK);
    if (!fstatSync(fd).isFile()) return null;
    const buf = Buffer.alloc(256);
    return buf.toString('utf8', 0, readSync(fd, buf, 0, buf.length, 0));
  } catch {
    return null;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * The machine id (systemd's /etc/machine-id, else D-Bus's copy), or the
 * hostname where there is none (a container without one). Only root can
 * write either file; what it could change is when this host ticks, no more.
 * Read at daemon start: a link is not followed, a FIFO cannot block it.
 */
export function machineIdForOffset(files = ['/etc/machine-id', '/var/lib/dbus/machine-id']): string {
  for (const f of files) {
    const id = readSmall(f)?.trim();
    if (id && /^[0-9a-f]{32}$/.test(id)) return id;
  }
  return `hostname:${os.hostname()}`;
}

/**
 * Defers each tick by this host's offset. A tick still waiting when the next
 * one fires is replaced (the daemon never queues cycles); cancel() drops a
 * waiting one (stop, reschedule).
 */
export class TickDelay {
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly fraction: number) {}

  static forHost(schedule: string, machineId = machineIdForOffset()): TickDelay {
    return new TickDelay(offsetFraction(machineId, schedule));
  }

  /**
   * Runs fn after the offset (tick_offset_max_ms as configured now: a SIGHUP
   * may change it) for a tick due at `at` whose next tick is `next`;
   * returns the offset used.
   */
  defer(at: Date, next: Date | null | undefined, maxMs: number, fn: () => void): number {
    const ms = this.offsetFor(at, next, maxMs);
    this.cancel();
    if (ms <= 0) {
      fn();
      return 0;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      fn();
    }, Math.max(0, at.getTime() + ms - Date.now()));
    return ms;
  }

  offsetFor(at: Date, next: Date | null | undefined, maxMs: number): number {
    return tickOffsetMs(this.fraction, maxMs, next ? next.getTime() - at.getTime() : undefined);
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
