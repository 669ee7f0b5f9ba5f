/**
 * runnerguard-daemon.mjs, the daemon's own small bundle (what
 * /usr/bin/runnerguard daemon runs): it holds none of the audit, yet judges
 * the command line and the config exactly as the full program does (check
 * ids, check options and remediation ids written in at build time from the
 * catalogue), and runs each cycle in the full program next to it.
 */
import { readFileSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../checks/index.js';
import { buildBundle } from '../helpers/cli.js';
import { DaemonUnderTest, HttpCollector } from './harness.js';

let bundle: string;
let daemonFile: string;
const open: Array<{ cleanup: () => Promise<void> }> = [];

beforeAll(() => {
  bundle = buildBundle();
  daemonFile = path.join(path.dirname(bundle), 'runnerguard-daemon.mjs');
});
afterAll(async () => {
  await fsp.rm(path.dirname(bundle), { recursive: true, force: true });
});
afterEach(async () => {
  for (const o of open.splice(0)) await o.cleanup();
});

function daemon(): DaemonUnderTest {
  const d = new DaemonUnderTest(bundle);
  open.push(d);
  return d;
}

describe('runnerguard-daemon.mjs', () => {
  it('holds none of the audit: no check, no fact, no report format, no systeminformation or execa', () => {
    const text = readFileSync(daemonFile, 'utf8');
    // esbuild names each input it bundles in a "// path" comment.
    const inputs = [...text.matchAll(/^\/\/ (\S+\.(?:ts|js|mjs|cjs|json))$/gm)].map((m) => m[1]!);
    expect(inputs.length).toBeGreaterThan(10);
    const audit = inputs.filter((i) => /^(checks|remediations)\/|^agent\/(facts|engine\/run|report\/(?!neutralize)|remediate)\/|node_modules\/(systeminformation|execa)\//.test(i));
    expect(audit).toEqual([]);
    expect(text.length).toBeLessThan(readFileSync(bundle, 'utf8').length / 3);
  });

  it('an unknown check id is exit 2 at start; every catalogue id is known', async () => {
    const bad = daemon();
    await bad.writeConfig('schedule = "0 0 1 1 *"\n');
    await expect(bad.start(['--only', 'RG-NOPE-001'])).rejects.toThrow(/daemon exited 2/);
    expect(bad.stderr).toContain('unknown check id "RG-NOPE-001"');
    const good = daemon();
    await good.writeConfig('schedule = "0 0 1 1 *"\n');
    await good.start(['--only', CATALOGUE.map((c) => c.meta.id).join(',')]);
    good.child!.kill('SIGTERM');
    expect(await good.exit).toEqual({ code: 0, signal: null });
  });

  it('check options and remediation ids are judged as the full program judges them (file:line)', async () => {
    const bad = daemon();
    await bad.writeConfig('schedule = "0 0 1 1 *"\n\n[checks.RG-BUILD-001]\nmax_age_hours = "24"\n');
    await expect(bad.start()).rejects.toThrow(/daemon exited 2/);
    expect(bad.stderr).toContain(`${bad.config}:6: checks.RG-BUILD-001.max_age_hours: expected an integer, got a string`);
    const good = daemon();
    await good.writeConfig('schedule = "0 0 1 1 *"\n\n[checks.RG-BUILD-001]\nmax_age_hours = 48\n\n[remediations]\nenable = ["RG-BUILD-001"]\n');
    await good.start();
    good.child!.kill('SIGTERM');
    expect(await good.exit).toEqual({ code: 0, signal: null });
  });

  it('each cycle runs in the full program next to it (the child is runnerguard.mjs, the daemon is not)', async () => {
    const c = await new HttpCollector().start();
    open.push({ cleanup: () => c.close() });
    c.delayMs = 5000; // the cycle child stays alive, waiting for the reply, while it is looked at
    const d = daemon();
    await d.writeConfig(`schedule = "* * * * * *"\nstop_timeout_ms = 20000\n\n[report]\nurl = "${c.url}"\nsplay_max_ms = 0\nmax_attempts = 1\n`);
    await d.start();
    const started = await d.waitFor((l) => l.msg === 'cycle started');
    for (const deadline = Date.now() + 30_000; c.ids.length === 0 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
    expect(c.ids.length).toBe(1); // the cycle audited and is delivering
    const child = readFileSync(`/proc/${started.pid as number}/cmdline`, 'utf8').split('\0');
    expect(child.slice(1, 4)).toEqual([bundle, 'daemon', '--cycle-child']);
    expect(readFileSync(`/proc/${d.child!.pid}/cmdline`, 'utf8').split('\0')[1]).toBe(daemonFile);
    d.child!.kill('SIGTERM');
    expect((await d.exit)?.code).toBe(0);
  });
});
