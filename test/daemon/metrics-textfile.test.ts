import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle } from '../helpers/cli.js';
import { DaemonUnderTest, HttpCollector } from './harness.js';

// The daemon's cycles write the same textfile as `run` and `audit`: 0644 for
// node_exporter (user prometheus), under UMask=0077 as the unit sets it, with
// the delivery health and the schedule's interval in it.

let bundle: string;
let d: DaemonUnderTest | undefined;
let c: HttpCollector | undefined;

beforeAll(() => {
  bundle = buildBundle();
});
afterAll(async () => {
  await d?.cleanup();
  await c?.close();
  await fsp.rm(path.dirname(bundle), { recursive: true, force: true });
});

describe('runnerguard daemon: the metrics textfile', () => {
  it('each cycle writes it 0644 and root\'s (umask 077 notwithstanding), with the last delivery and the schedule interval', async () => {
    c = await new HttpCollector().start();
    d = new DaemonUnderTest(bundle);
    const prom = path.join(d.dir, 'textfile', 'runnerguard.prom');
    await fsp.mkdir(path.dirname(prom));
    await d.writeConfig(`schedule = "*/2 * * * * *"\n[report]\nurl = "${c.url}"\nsplay_max_ms = 0\nmax_attempts = 1\n[metrics]\ntextfile = "${prom}"\n`);
    const old = process.umask(0o077);
    try {
      await d.start();
    } finally {
      process.umask(old);
    }
    await d.waitFor((l) => l.msg === 'run finished');
    const st = await fsp.stat(prom);
    expect({ mode: st.mode & 0o777, uid: st.uid }).toEqual({ mode: 0o644, uid: 0 });
    const text = await fsp.readFile(prom, 'utf8');
    expect(text).toMatch(/^runnerguard_audit_interval_seconds 2$/m);
    expect(Number(/^runnerguard_last_delivery_success_timestamp_seconds (\d+)$/m.exec(text)?.[1])).toBeGreaterThan(0);
    expect(text).toMatch(/^runnerguard_reports_rejected_total 0$/m);
    expect(c.ids.length).toBeGreaterThan(0);
  });
});
