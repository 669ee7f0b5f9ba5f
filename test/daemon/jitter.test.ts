// issue 12 part 3: a stable per-host offset for daemon ticks, derived from
// the machine id and the schedule, so restarts do not move it. Computed
// offsets (no timings) and the real daemon, started twice.
import { execFileSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { machineIdForOffset, offsetFraction, TickDelay, tickOffsetMs } from '../../agent/daemon/jitter.js';
import { JOB_UID } from '../helpers/attack.js';
import { useDaemonSuite } from './harness.js';

const id = (i: number) => i.toString(16).padStart(32, '0');

describe('the per-host tick offset', () => {
  it('is a pure function of machine id and schedule (whitespace aside); other hosts and schedules differ', () => {
    const a = offsetFraction(id(1), '*/30 * * * *');
    expect(offsetFraction(id(1), ' */30  *  * * * ')).toBe(a);
    expect(offsetFraction(id(2), '*/30 * * * *')).not.toBe(a);
    expect(offsetFraction(id(1), '*/15 * * * *')).not.toBe(a);
    expect(a).toBeGreaterThanOrEqual(0);
    expect(a).toBeLessThan(1);
  });

  it('spreads 10,000 hosts evenly over the window: every tenth holds 10% +- 1.5%', () => {
    const deciles = new Array<number>(10).fill(0);
    for (let i = 0; i < 10_000; i++) deciles[Math.floor(offsetFraction(id(i * 7919 + 13), '*/30 * * * *') * 10)]!++;
    for (const n of deciles) expect(n).toBeGreaterThan(850);
    for (const n of deciles) expect(n).toBeLessThan(1150);
  });

  it('is bounded by tick_offset_max_ms and by half the gap to the next tick; 0 turns it off', () => {
    expect(tickOffsetMs(0.999, 300_000, 30 * 60_000)).toBe(299_700);
    expect(tickOffsetMs(0.999, 300_000, 60_000)).toBe(29_970); // * * * * *: a minute's tick stays within its first half
    expect(tickOffsetMs(0.5, 300_000, undefined)).toBe(150_000);
    expect(tickOffsetMs(0.999, 0, 30 * 60_000)).toBe(0);
    expect(tickOffsetMs(0.25, 300_000, 0)).toBe(0);
  });

  it('TickDelay: fn runs once per tick, later than the call; a waiting tick is replaced by the next; cancel drops it', async () => {
    const ran: string[] = [];
    const d = new TickDelay(0.5);
    // A tick due 10 s ago with a 10 s offset: due now, run from the timer, never inline.
    const at = new Date(Date.now() - 10_000);
    const next = new Date(at.getTime() + 60_000);
    expect(d.defer(at, next, 20_000, () => ran.push('first'))).toBe(10_000);
    expect(ran).toEqual([]);
    expect(d.defer(at, next, 20_000, () => ran.push('second'))).toBe(10_000);
    await new Promise((r) => setTimeout(r, 20));
    expect(ran).toEqual(['second']);
    d.defer(new Date(), next, 20_000, () => ran.push('cancelled'));
    d.cancel();
    expect(d.defer(at, next, 0, () => ran.push('no offset'))).toBe(0);
    expect(ran).toEqual(['second', 'no offset']);
  });

  it('the machine id comes from /etc/machine-id; a file that is no machine id falls back to the next source, then the hostname', async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'rg-mid-'));
    try {
      const bad = path.join(dir, 'bad');
      const good = path.join(dir, 'good');
      await fsp.writeFile(bad, 'not-an-id\n');
      await fsp.writeFile(good, `${id(42)}\n`);
      expect(machineIdForOffset([bad, good])).toBe(id(42));
      expect(machineIdForOffset([path.join(dir, 'missing'), bad])).toBe(`hostname:${os.hostname()}`);
      // Attacker: a job's link to an id of its choosing is not followed; a FIFO (no writer) does not hang the daemon's start.
      const theirs = path.join(dir, 'theirs');
      await fsp.writeFile(theirs, `${id(666)}\n`);
      await fsp.chown(theirs, JOB_UID, JOB_UID);
      const link = path.join(dir, 'link');
      await fsp.symlink(theirs, link);
      await fsp.lchown(link, JOB_UID, JOB_UID);
      const fifo = path.join(dir, 'fifo');
      execFileSync('mkfifo', [fifo]);
      expect(machineIdForOffset([link, fifo, good])).toBe(id(42));
      expect(machineIdForOffset()).toMatch(/^[0-9a-f]{32}$|^hostname:/);
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('runnerguard daemon: the offset survives a restart', () => {
  const { daemon, collector } = useDaemonSuite();

  it('two starts on this host log the same fraction (SHA-256 of /etc/machine-id and the schedule); each tick waits the computed offset before its cycle', async () => {
    const c = await collector();
    const schedule = '*/2 * * * * *';
    const expected = offsetFraction(machineIdForOffset(), schedule);
    const fractions: unknown[] = [];
    for (let i = 0; i < 2; i++) {
      const d = daemon();
      await d.writeConfig(`schedule = "${schedule}"\ntick_offset_max_ms = 800\n[report]\nurl = "${c.url}"\nsplay_max_ms = 0\nmax_attempts = 1\n`);
      await d.start();
      fractions.push(d.lines.find((l) => l.msg === 'daemon started')!.tickOffsetFraction);
      const tick = await d.waitFor((l) => l.msg === "tick: waiting for this host's offset");
      // 2 s between ticks: the bound is min(800, 1000) ms.
      expect(tick.offsetMs).toBe(Math.floor(expected * 800));
      const at = d.lines.indexOf(tick);
      await d.waitFor((l) => l.msg === 'cycle started', 30_000, at);
      d.child!.kill('SIGTERM');
      expect((await d.exit)!.code).toBe(0);
    }
    expect(fractions).toEqual([expected, expected]);
    expect(c.ids.length).toBeGreaterThanOrEqual(1);
  });
});
