import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HEALTH_FILE } from '../../agent/delivery/health.js';
import { JOB_UID } from '../helpers/attack.js';
import { buildBundle, runCli } from '../helpers/cli.js';
import { Collector } from '../helpers/collector.js';
import { FixtureTree } from '../helpers/fixture-tree.js';
import { makePki, type Pki } from '../helpers/pki.js';

// Delivery health in the textfile: what a fleet-wide token mistake looks like
// (rejected reports counted, never a healthy-looking spool 0), the last
// success, the oldest spooled report's age; and a record not root's is not
// believed.

let bundle: string;
let pki: Pki;
let root: FixtureTree;
let work: string;
let collector: Collector | undefined;

beforeAll(async () => {
  bundle = buildBundle();
  pki = makePki();
  root = await FixtureTree.create();
  await root.file('/usr/bin/gitlab-runner', '', { mode: 0o755 });
  await root.file('/etc/gitlab-runner/config.toml', '[[runners]]\n  name = "a"\n  token = "glrt-health-0123456789"\n  executor = "docker"\n', { mode: 0o600 });
});
afterAll(async () => {
  await fsp.rm(pki.dir, { recursive: true, force: true });
  await root.remove();
});
afterEach(async () => {
  await collector?.stop().catch(() => undefined);
  collector = undefined;
  if (work) await fsp.rm(work, { recursive: true, force: true });
});

async function setup(token: string, url: string): Promise<{ config: string; state: string; prom: string }> {
  work = await fsp.mkdtemp(path.join(os.tmpdir(), 'rg-health-'));
  await fsp.writeFile(path.join(work, 'token'), `${token}\n`, { mode: 0o600 });
  const state = path.join(work, 'state');
  const prom = path.join(work, 'textfile', 'runnerguard.prom');
  await fsp.mkdir(path.dirname(prom));
  const config = path.join(work, 'config.toml');
  await fsp.writeFile(
    config,
    `[agent]\nstate_dir = "${state}"\n[report]\nurl = "${url}"\ntoken_file = "${work}/token"\nca_file = "${pki.caCert}"\ncert_file = "${pki.clientCert}"\nkey_file = "${pki.clientKey}"\n` +
      `splay_max_ms = 0\nretry_base_ms = 50\nretry_max_ms = 200\nmax_attempts = 2\ntimeout_ms = 3000\nconnect_timeout_ms = 1000\n[metrics]\ntextfile = "${prom}"\nspool_alert_age_ms = 3600000\n`,
    { mode: 0o600 },
  );
  return { config, state, prom };
}

const run = (config: string) => runCli(bundle, ['run', '--root', root.root, '--config', config]);
const value = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);

describe('delivery health in the metrics', () => {
  it('a wrong token: every report rejected is counted across runs, no success; a fixed token: a success time, the count kept', async () => {
    collector = new Collector(pki);
    await collector.start();
    const { config, state, prom } = await setup('wrong-token-0123456789', collector.url);
    for (let i = 0; i < 2; i++) expect([0, 1]).toContain((await run(config)).code);
    const text = await fsp.readFile(prom, 'utf8');
    expect(value(text, 'runnerguard_reports_rejected_total')).toBe(2);
    expect(value(text, 'runnerguard_spool_rejected_reports')).toBe(2);
    expect(value(text, 'runnerguard_spool_reports')).toBe(0);
    expect(value(text, 'runnerguard_last_delivery_success_timestamp_seconds')).toBe(0);
    expect(value(text, 'runnerguard_delivery_state_ok')).toBe(1);
    expect(value(text, 'runnerguard_delivery_configured')).toBe(1);
    expect(value(text, 'runnerguard_spool_alert_age_seconds')).toBe(3600);
    // run writes it for node_exporter (user prometheus): 0644, root's.
    const st = await fsp.stat(prom);
    expect({ mode: st.mode & 0o777, uid: st.uid }).toEqual({ mode: 0o644, uid: 0 });

    await fsp.writeFile(path.join(work, 'token'), `${collector.tokenValue}\n`, { mode: 0o600 });
    // What a run killed (-9) between the record's temp file and its rename leaves behind: removed by the next record.
    const leftover = path.join(state, `.${HEALTH_FILE}.0123456789ab.tmp`);
    await fsp.writeFile(leftover, '{"rejectedTotal":', { mode: 0o600 });
    const before = Math.floor(Date.now() / 1000);
    await run(config);
    await expect(fsp.stat(leftover)).rejects.toThrow(/ENOENT/);
    const after = await fsp.readFile(prom, 'utf8');
    expect(value(after, 'runnerguard_last_delivery_success_timestamp_seconds')).toBeGreaterThanOrEqual(before);
    expect(value(after, 'runnerguard_reports_rejected_total')).toBe(2);
    expect(collector.received).toHaveLength(1);
  });

  it('collector down: the oldest spooled report\'s age is its age, not the newest one\'s', async () => {
    // A closed port on loopback: every attempt fails, the reports stay spooled.
    collector = new Collector(pki);
    await collector.start();
    const url = collector.url;
    await collector.stop();
    collector = undefined;
    const { config, state, prom } = await setup('t-0123456789', url);
    await run(config);
    // One report from three hours ago, as a previous run would have left it (root's, 0600).
    const old = `${String(Date.now() - 3 * 3600_000).padStart(13, '0')}-000000-00000000-0000-4000-8000-000000000000.json`;
    await fsp.writeFile(path.join(state, 'spool', old), '{"id":"00000000-0000-4000-8000-000000000000"}', { mode: 0o600 });
    await run(config);
    const text = await fsp.readFile(prom, 'utf8');
    expect(value(text, 'runnerguard_spool_reports')).toBe(3);
    const age = value(text, 'runnerguard_spool_oldest_report_age_seconds');
    expect(age).toBeGreaterThanOrEqual(3 * 3600);
    expect(age).toBeLessThan(3 * 3600 + 600);
  });

  it('attack: a delivery record not root\'s (or a link to one) is not believed: state_ok 0 and no figures, never a healthy 0', async () => {
    collector = new Collector(pki);
    await collector.start();
    const { config, state, prom } = await setup('wrong-token-0123456789', collector.url);
    await run(config);
    // Someone else's record claiming all is well.
    const fake = path.join(work, 'fake.json');
    await fsp.writeFile(fake, '{"rejectedTotal":0,"lastSuccessMs":9999999999999}');
    await fsp.chown(fake, JOB_UID, JOB_UID);
    const record = path.join(state, HEALTH_FILE);
    for (const plant of [() => fsp.cp(fake, record, { preserveTimestamps: true }).then(() => fsp.chown(record, JOB_UID, JOB_UID)), () => fsp.symlink(fake, record)]) {
      await fsp.rm(record, { force: true });
      await plant();
      const r = await runCli(bundle, ['audit', '--root', root.root, '--config', config, '--format', 'prometheus']);
      expect(r.stdout).toMatch(/^runnerguard_delivery_state_ok 0$/m);
      expect(r.stdout).not.toMatch(/^runnerguard_last_delivery_success_timestamp_seconds /m);
      expect(r.stdout).not.toMatch(/^runnerguard_spool_rejected_reports /m);
    }
    // run replaces the link (rename over it, never through it) and counts on from zero.
    await run(config);
    expect((await fsp.lstat(record)).isSymbolicLink()).toBe(false);
    expect(await fsp.readFile(fake, 'utf8')).toContain('9999999999999');
    expect(value(await fsp.readFile(prom, 'utf8'), 'runnerguard_delivery_state_ok')).toBe(1);
  });
});
