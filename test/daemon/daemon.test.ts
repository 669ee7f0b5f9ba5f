/**
 * `runnerguard daemon` as shipped (the built bundle, a real child process,
 * real signals): SIGHUP reloads a good config and keeps the old one on a bad
 * one, SIGTERM ends with exit 0 whether the current cycle finishes or is
 * abandoned, and cycles never overlap (in-process guard and the run lock).
 */
import { existsSync, readFileSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { until, useDaemonSuite } from './harness.js';

const { daemon, collector } = useDaemonSuite();
const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
const report = (url: string, extra = '') => `\n[report]\nurl = "${url}"\nsplay_max_ms = 0\nmax_attempts = 1\n${extra}`;

describe('runnerguard daemon', () => {
  it('SIGHUP: a good config is taken (new collector), a bad one is logged with file:line and the old one kept', async () => {
    const [a, b, d] = [await collector(), await collector(), await daemon()];
    await d.writeConfig(`schedule = "* * * * * *"\n${report(a.url)}`);
    await d.start();
    await until(() => a.ids.length >= 1, 'a report at collector A');

    await d.writeConfig(`schedule = "*/2 * * * * *"\n${report(b.url)}`);
    d.child!.kill('SIGHUP');
    const reloaded = await d.waitFor((l) => l.msg === 'config reloaded');
    expect(reloaded).toMatchObject({ schedule: '*/2 * * * * *', rescheduled: true });
    await until(() => b.ids.length >= 1, 'a report at collector B');
    const aAfter = a.ids.length;

    // Line 3 of the file: the unknown key. Then a schedule node-cron would hang on.
    for (const [bad, line, why] of [
      ['bogus = 1\n', 3, /unknown key "bogus"/],
      ['schedule = "*/0 * * * *"\n', 3, /not a cron expression: minute: step \/0/],
    ] as const) {
      const from = d.lines.length;
      await d.writeConfig(`${bad}${report(a.url)}`);
      d.child!.kill('SIGHUP');
      const err = await d.waitFor((l) => l.msg === 'config reload failed: keeping the previous config', 10_000, from);
      expect(String(err.error)).toContain(`${d.config}:${line}: `);
      expect(String(err.error)).toMatch(why);
      const bBefore = b.ids.length;
      await until(() => b.ids.length > bBefore, 'B still served after a bad reload');
    }
    expect(a.ids.length).toBe(aAfter); // the old config kept is B's, never A's again
    expect(d.child!.exitCode).toBeNull();
    d.child!.kill('SIGTERM');
    expect(await d.exit).toEqual({ code: 0, signal: null });
  });

  it('a bad config at start is exit 2 with file:line, like every command', async () => {
    const d = await daemon();
    await d.writeConfig('schedule = "61 * * * *"\n');
    await expect(d.start()).rejects.toThrow(/daemon exited 2/);
    expect(d.stderr).toContain(`${d.config}:3: agent.schedule: "61 * * * *" is not a cron expression: minute: 61 is out of range 0-59`);
  });

  it('SIGTERM mid-cycle: a cycle that ends within stop_timeout_ms finishes (delivered), exit 0', async () => {
    const [c, d] = [await collector(), await daemon()];
    c.delayMs = 1500;
    await d.writeConfig(`schedule = "* * * * * *"\nstop_timeout_ms = 20000\n${report(c.url)}`);
    await d.start();
    await until(() => c.active === 1, 'a delivery in flight');
    d.child!.kill('SIGTERM');
    expect(await d.exit).toEqual({ code: 0, signal: null });
    expect(d.count('stopping: waiting for the current cycle')).toBe(1);
    expect(d.count('stopping: current cycle abandoned; its report stays in the spool for the next run')).toBe(0);
    expect(d.lines.at(-1)?.msg).toBe('daemon stopped');
    expect(c.ids).toHaveLength(1);
    expect(await fsp.readdir(path.join(d.state, 'spool')).then((f) => f.filter((n) => n.endsWith('.json')), () => [])).toEqual([]);
  });

  it('SIGTERM mid-cycle: past stop_timeout_ms the cycle is abandoned, its report spooled, the lock released, exit 0', async () => {
    const [c, d] = [await collector(), await daemon()];
    c.delayMs = 120_000; // the collector never answers in time
    await d.writeConfig(`schedule = "* * * * * *"\nstop_timeout_ms = 1000\n${report(c.url, 'timeout_ms = 300000\n')}`);
    await d.start();
    const started = await d.waitFor((l) => l.msg === 'cycle started');
    await until(() => c.active === 1, 'a delivery in flight');
    expect(existsSync(path.join(d.state, 'run.lock'))).toBe(true);
    d.child!.kill('SIGTERM');
    expect(await d.exit).toEqual({ code: 0, signal: null });
    expect(d.count('stopping: current cycle abandoned; its report stays in the spool for the next run')).toBe(1);
    expect(alive(Number(started.pid))).toBe(false);
    expect(existsSync(path.join(d.state, 'run.lock'))).toBe(false);
    const spooled = await fsp.readdir(path.join(d.state, 'spool'));
    const bodies = await Promise.all(spooled.filter((n) => n.endsWith('.json')).map((n) => fsp.readFile(path.join(d.state, 'spool', n), 'utf8')));
    expect(bodies.map((t) => (JSON.parse(t) as { id: string }).id)).toEqual([c.ids[0]]);
  });

  it('never overlaps: ticks during a cycle are skipped, and a run lock held elsewhere skips the cycle', async () => {
    const [c, d] = [await collector(), await daemon()];
    c.delayMs = 2500; // each cycle spans two or three one-second ticks
    await d.writeConfig(`schedule = "* * * * * *"\nlock_wait_ms = 0\n${report(c.url)}`);
    await d.start();
    await until(() => c.ids.length >= 3, 'three deliveries', 40_000);
    expect(c.maxActive).toBe(1);
    expect(d.count('previous cycle still running: this tick is skipped')).toBeGreaterThanOrEqual(2);

    // A `runnerguard run` from the timer (here: this live process) holds the lock.
    c.delayMs = 0;
    await until(() => c.active === 0, 'the last delivery answered');
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const lock = `${process.pid} ${stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]} runnerguard run`;
    await until(() => !existsSync(path.join(d.state, 'run.lock')), 'the daemon between cycles');
    await fsp.writeFile(path.join(d.state, 'run.lock'), lock, { flag: 'wx' }).catch(() => fsp.writeFile(path.join(d.state, 'run.lock'), lock));
    const from = d.lines.length;
    const delivered = c.ids.length;
    await d.waitFor((l) => l.msg === 'cycle skipped (see the message above)', 10_000, from);
    expect(d.stderr).toContain(`another runnerguard run holds the lock (pid ${process.pid}: runnerguard run)`);
    await new Promise((r) => setTimeout(r, 1500));
    expect(c.ids.length).toBeLessThanOrEqual(delivered + 1); // at most the cycle that had the lock before us
    await fsp.rm(path.join(d.state, 'run.lock'));
    await until(() => c.ids.length > delivered + 1, 'deliveries again once the lock is free');
    d.child!.kill('SIGTERM');
    expect((await d.exit!).code).toBe(0);
  });
});
