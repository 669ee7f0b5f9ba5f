/**
 * The daemon holds to principle 4 of issue 11 at start and at every SIGHUP:
 * a state dir that is not root-controlled is exit 2 at start, and a reload to
 * one is refused with the path and the reason while the old config goes on.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { until, useDaemonSuite } from './harness.js';

const { daemon, collector } = useDaemonSuite();

describe('runnerguard daemon: state dir trust', () => {
  it('start with a state dir uid 999 owns: exit 2 with the path and the reason', async () => {
    const d = daemon();
    await fsp.mkdir(d.state, { mode: 0o700 });
    await fsp.chown(d.state, 999, 999);
    await d.writeConfig('');
    await expect(d.start()).rejects.toThrow(/daemon exited 2/);
    expect(d.stderr).toContain(`state_dir ${d.state}: not trusted: ${d.state} is owned by uid 999 (mode 0700)`);
    expect(await fsp.readdir(d.state)).toEqual([]);
  });

  it('SIGHUP to a config whose state dir uid 999 owns: refused with the reason, the old config goes on', async () => {
    const c = await collector();
    const d = daemon();
    const report = `\n[report]\nurl = "${c.url}"\nsplay_max_ms = 0\nmax_attempts = 1\n`;
    await d.writeConfig(`schedule = "* * * * * *"\n${report}`);
    await d.start();
    await until(() => c.ids.length >= 1, 'a first report');
    const theirs = path.join(d.dir, 'their-state');
    await fsp.mkdir(theirs, { mode: 0o700 });
    await fsp.chown(theirs, 999, 999);
    const from = d.lines.length;
    await fsp.writeFile(d.config, `[agent]\nstate_dir = "${theirs}"\nschedule = "* * * * * *"\n${report}`, { mode: 0o600 });
    d.child!.kill('SIGHUP');
    const err = await d.waitFor((l) => l.msg === 'config reload failed: keeping the previous config', 10_000, from);
    expect(String(err.error)).toContain(`state_dir ${theirs}: not trusted: ${theirs} is owned by uid 999 (mode 0700)`);
    const before = c.ids.length;
    await until(() => c.ids.length > before, 'reports still delivered with the old config');
    expect(await fsp.readdir(theirs)).toEqual([]);
    d.child!.kill('SIGTERM');
    expect(await d.exit).toEqual({ code: 0, signal: null });
  });
});
