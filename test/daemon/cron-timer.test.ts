/**
 * The daemon's own cron timer (agent/daemon/cron-timer.ts) against a brute
 * force oracle: every second (6 fields) or minute (5 fields) after the start
 * whose local fields all match, found by counting forward. Also across the
 * DST changes of a real zone, and for what node-cron 4.2 got wrong on some
 * days (a weekday schedule: its walker skipped whole years).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cronProblem } from '../../agent/config/cron.js';
import { cronFields, nextRun, schedule } from '../../agent/daemon/cron-timer.js';

/** The first match after `after` by stepping one unit at a time (the definition, not an algorithm). */
function bruteNext(expr: string, after: Date, horizonDays: number): Date | null {
  const f = cronFields(expr);
  const sixFields = expr.trim().split(/\s+/).length === 6;
  const unit = sixFields ? 1000 : 60_000;
  let t = Math.floor(after.getTime() / unit) * unit + unit;
  for (const end = after.getTime() + horizonDays * 86_400_000; t <= end; t += unit) {
    const d = new Date(t);
    if (f[0].has(d.getSeconds()) && f[1].has(d.getMinutes()) && f[2].has(d.getHours()) && f[3].has(d.getDate()) && f[4].has(d.getMonth() + 1) && f[5].has(d.getDay())) return d;
  }
  return null;
}

const EXPRS = ['* * * * *', '*/30 * * * *', '17 */6 * * *', '0 9 * * mon-fri', '0 0 1 * *', '5,35 2-4 * jan,jul *', '0 12 13 * 5', '15 3 * * 7', '0 0 29 2 *', '*/20 * * * * *', '7-59/13 1 * * *'];
const STARTS = ['2026-12-05T19:59:59.500Z', '2026-12-31T23:58:00.000Z', '2027-02-27T10:00:00.000Z', '2028-02-28T23:59:30.000Z'];

describe('cron timer: next run', () => {
  it('equals the brute-force first match for every expression and start (UTC)', () => {
    for (const expr of EXPRS) {
      expect(cronProblem(expr), expr).toBeNull(); // only what the config accepts reaches the timer
      for (const s of STARTS) {
        const want = bruteNext(expr, new Date(s), expr === '0 0 29 2 *' ? 1500 : 400);
        expect(nextRun(cronFields(expr), new Date(s))?.toISOString(), `${expr} after ${s}`).toBe(want?.toISOString());
      }
    }
  });

  it('a weekday schedule runs on the next such weekday, from any day of the week', () => {
    // node-cron 4.2's scheduler put such a schedule years away on some days (why this timer exists); its
    // getNextRun() reads the clock, so that is not asserted here: a test must not depend on the day it runs.
    const sat = new Date('2026-12-05T12:00:00Z'); // a Saturday
    expect(nextRun(cronFields('0 9 * * mon'), sat)?.toISOString()).toBe('2026-12-07T09:00:00.000Z');
    for (let d = 0; d < 7; d++) {
      const from = new Date(Date.parse('2026-12-07T10:00:00Z') + d * 86_400_000); // Monday 10:00 (past 09:00), then each day after
      expect(nextRun(cronFields('0 9 * * mon'), from)?.toISOString(), from.toISOString()).toBe('2026-12-14T09:00:00.000Z');
    }
  });

  it('an expression no date matches (30 February) gives no next run, in bounded time', () => {
    expect(nextRun(cronFields('0 0 30 2 *'), new Date('2026-12-05T00:00:00Z'))).toBeNull();
    const task = schedule('0 0 30 2 *', () => {});
    expect(task.getNextRun()).toBeNull();
    task.stop();
  });
});

describe('cron timer: local time across DST (Europe/Berlin)', () => {
  let tz: string | undefined;
  beforeAll(() => {
    tz = process.env.TZ;
    process.env.TZ = 'Europe/Berlin';
  });
  afterAll(() => {
    if (tz === undefined) delete process.env.TZ;
    else process.env.TZ = tz;
  });

  it('matches the brute force around the spring and autumn changes', () => {
    expect(new Date('2027-01-01T12:00:00Z').getHours()).toBe(13); // the zone is in effect
    for (const expr of ['30 2 * * *', '0 * * * *', '*/45 1-3 * * *', '0 3 * * sun', '0 4 * * *', '10 0 * * *']) {
      // The last start is inside the repeated hour (02:15 CET, after 02:15 CEST): stepping must not fall back into the first one.
      for (const s of ['2027-03-27T23:00:00Z', '2027-03-28T00:59:00Z', '2027-10-30T23:00:00Z', '2027-10-31T00:30:00Z', '2027-10-31T01:15:00Z']) {
        const want = bruteNext(expr, new Date(s), 10);
        expect(nextRun(cronFields(expr), new Date(s))?.toISOString(), `${expr} after ${s}`).toBe(want?.toISOString());
      }
    }
  });
});

describe('cron timer: firing', () => {
  it('calls back on each matching second and stops when told', async () => {
    let calls = 0;
    const task = schedule('* * * * * *', () => void calls++);
    const first = task.getNextRun()!;
    expect(first.getTime()).toBeGreaterThan(Date.now() - 1000);
    await new Promise((r) => setTimeout(r, first.getTime() - Date.now() + 1500));
    task.stop();
    const seen = calls;
    expect(seen).toBeGreaterThanOrEqual(1);
    expect(task.getNextRun()).toBeNull();
    await new Promise((r) => setTimeout(r, 1500));
    expect(calls).toBe(seen); // stopped: no call after stop()
  });
});
