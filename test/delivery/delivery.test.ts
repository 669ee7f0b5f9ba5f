import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { Collector } from '../helpers/collector.js';
import { stopAndRemove, useDeliveryHost, writeDeliveryConfig } from '../helpers/delivery-fixture.js';

const host = useDeliveryHost({ runnerBinary: true });
let work: string;
let collector: Collector;

afterEach(() => stopAndRemove(collector, work));

async function setup(extra = '', opts: { ca?: string; client?: boolean } = {}): Promise<{ config: string; state: string }> {
  work = await fsp.mkdtemp(path.join(os.tmpdir(), 'rg-delivery-'));
  return writeDeliveryConfig(work, {
    url: collector.url,
    pki: host.pki,
    ...opts,
    report: { splay_max_ms: 0, retry_base_ms: 50, retry_max_ms: 2000, max_attempts: 2, timeout_ms: 3000, connect_timeout_ms: 1000 },
    extra: `[metrics]\ntextfile = "${work}/runnerguard.prom"\n${extra}`,
  });
}

const run = (config: string) => runCli(host.bundle, ['run', '--root', host.root.root, '--config', config], { env: { RUNNERGUARD_LOG_LEVEL: 'info' } });
const spooled = async (state: string) => (await fsp.readdir(path.join(state, 'spool')).catch(() => [])).filter((n) => n.endsWith('.json'));

describe('runnerguard run: HTTPS delivery with mutual TLS and a token', () => {
  it('delivers the report with Idempotency-Key, token and User-Agent; writes the last report and metrics', async () => {
    collector = new Collector(host.pki);
    await collector.start();
    const { config, state } = await setup();
    const r = await run(config);
    expect([0, 1]).toContain(r.code);
    expect(collector.received).toHaveLength(1);
    const got = collector.received[0]!;
    expect(got.body.schema).toBe('runnerguard/report@1');
    expect(got.id).toBe(got.body.id);
    expect(got.auth).toBe('Bearer test-token-0123456789');
    expect(got.userAgent).toMatch(/^runnerguard\//);
    expect(await spooled(state)).toEqual([]);
    const last = JSON.parse(await fsp.readFile(path.join(state, 'last-report.json'), 'utf8'));
    expect(last.id).toBe(got.id);
    expect((await fsp.stat(path.join(state, 'last-report.json'))).mode & 0o777).toBe(0o600);
    const prom = await fsp.readFile(path.join(work, 'runnerguard.prom'), 'utf8');
    expect(prom).toMatch(/^runnerguard_spool_reports 0$/m);
    expect(r.stderr).not.toContain('test-token-0123456789');
  });

  it('collector down for several runs, then up: every report arrives, oldest first, each id once', async () => {
    collector = new Collector(host.pki);
    await collector.start();
    const port = collector.port;
    await collector.stop();
    const { config, state } = await setup();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await run(config);
      expect([0, 1]).toContain(r.code); // the audit's outcome, not the network's
      expect(r.stderr).toContain('ECONNREFUSED');
      ids.push(JSON.parse(await fsp.readFile(path.join(state, 'last-report.json'), 'utf8')).id);
    }
    expect(await spooled(state)).toHaveLength(3);
    const prom = await fsp.readFile(path.join(work, 'runnerguard.prom'), 'utf8');
    expect(prom).toMatch(/^runnerguard_spool_reports 3$/m);
    collector = new Collector(host.pki);
    await collector.start(port);
    const d = await runCli(host.bundle, ['deliver', '--config', config]);
    expect(d.stdout).toContain('delivered 3, set aside 0, still spooled 0');
    expect(collector.ids()).toEqual(ids);
    expect(await spooled(state)).toEqual([]);
  });

  it('503 then 200: retried with backoff within the run', async () => {
    collector = new Collector(host.pki);
    collector.script.push({ status: 503 });
    await collector.start();
    const { config, state } = await setup();
    const r = await run(config);
    expect(r.stderr).toContain('HTTP 503');
    expect(collector.requests).toBe(2);
    expect(collector.received).toHaveLength(1);
    expect(await spooled(state)).toEqual([]);
  });

  it('429 with Retry-After is honoured', async () => {
    collector = new Collector(host.pki);
    collector.script.push({ status: 429, retryAfter: '1' });
    await collector.start();
    const { config } = await setup();
    const r = await run(config);
    // No earlier than the collector said; jitter on top, at most half the first backoff step (retry_base_ms 50).
    const wait = Number(/"retryInMs":(\d+)/.exec(r.stderr)?.[1]);
    expect(wait).toBeGreaterThanOrEqual(1000);
    expect(wait).toBeLessThanOrEqual(1025);
    expect(collector.received).toHaveLength(1);
  });

  it('a slow collector times out; the report stays spooled', async () => {
    collector = new Collector(host.pki);
    collector.script.push({ status: 200, delayMs: 5000 }, { status: 200, delayMs: 5000 });
    await collector.start();
    const { config, state } = await setup('', {});
    await fsp.appendFile(config, '');
    const cfgText = (await fsp.readFile(config, 'utf8')).replace('timeout_ms = 3000', 'timeout_ms = 500');
    await fsp.writeFile(config, cfgText);
    const r = await run(config);
    expect(r.stderr).toContain('no answer within 500 ms');
    expect(await spooled(state)).toHaveLength(1);
  });

  it('the wrong CA: refused, spooled, and the log names the certificate problem', async () => {
    collector = new Collector(host.pki);
    await collector.start();
    const { config, state } = await setup('', { ca: host.pki.otherCaCert });
    const r = await run(config);
    expect(r.stderr).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to verify the first certificate|self[- ]signed/i);
    expect(collector.requests).toBe(0);
    expect(await spooled(state)).toHaveLength(1);
  });

  it('no client certificate: the collector refuses the handshake; spooled', async () => {
    collector = new Collector(host.pki);
    await collector.start();
    const { config, state } = await setup('', { client: false });
    const r = await run(config);
    expect(r.stderr).toMatch(/certificate|ECONNRESET|socket hang up/i);
    expect(collector.received).toHaveLength(0);
    expect(await spooled(state)).toHaveLength(1);
  });

  it('a 400 is set aside in spool/rejected with the reason, not retried forever', async () => {
    collector = new Collector(host.pki);
    collector.script.push({ status: 400 });
    await collector.start();
    const { config, state } = await setup();
    await run(config);
    expect(collector.requests).toBe(1);
    expect(await spooled(state)).toEqual([]);
    const rejected = await fsp.readdir(path.join(state, 'spool', 'rejected'));
    expect(rejected.filter((n) => n.endsWith('.json'))).toHaveLength(1);
    const reason = rejected.find((n) => n.endsWith('.reason'))!;
    expect(await fsp.readFile(path.join(state, 'spool', 'rejected', reason), 'utf8')).toContain('HTTP 400');
  });

  it('refuses a token file readable by others, and plain http to a non-loopback host', async () => {
    collector = new Collector(host.pki);
    await collector.start();
    const { config, state } = await setup();
    await fsp.chmod(path.join(work, 'token'), 0o644);
    const r = await run(config);
    expect(r.stderr).toContain('readable by group/others');
    expect(await spooled(state)).toHaveLength(1);
    await fsp.writeFile(config, (await fsp.readFile(config, 'utf8')).replace(collector.url, 'http://192.0.2.10/v1/reports'));
    const h = await run(config);
    expect(h.stderr).toContain('plain http is refused except to loopback');
  });

  it('bounds the spool: the oldest is dropped, logged and counted', async () => {
    collector = new Collector(host.pki);
    await collector.start();
    const port = collector.port;
    await collector.stop();
    const { config, state } = await setup('');
    await fsp.writeFile(config, (await fsp.readFile(config, 'utf8')).replace('max_attempts = 2', 'max_attempts = 1\nspool_max_reports = 2'));
    let last = '';
    for (let i = 0; i < 3; i++) last = (await run(config)).stderr;
    expect(last).toContain('spool full: dropped the oldest report');
    expect(await spooled(state)).toHaveLength(2);
    expect(await fsp.readFile(path.join(work, 'runnerguard.prom'), 'utf8')).toMatch(/^runnerguard_reports_dropped_total 1$/m);
    void port;
  });
});

describe('one run at a time', () => {
  it('a second run waits briefly, then names the holder and exits 2; a stale lock is taken over', async () => {
    const { spawn } = await import('node:child_process');
    collector = new Collector(host.pki);
    await collector.start();
    const { config, state } = await setup('');
    await fsp.writeFile(config, (await fsp.readFile(config, 'utf8')).replace('[agent]\n', '[agent]\nlock_wait_ms = 300\n'));
    await fsp.mkdir(state, { recursive: true });
    const holder = spawn('sleep', ['30']);
    const stat = await fsp.readFile(`/proc/${holder.pid}/stat`, 'utf8');
    const started = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    await fsp.writeFile(path.join(state, 'run.lock'), `${holder.pid} ${started} runnerguard run`);
    try {
      const busy = await run(config);
      expect(busy.code).toBe(2);
      expect(busy.stderr).toContain(`another runnerguard run holds the lock (pid ${holder.pid}: runnerguard run)`);
    } finally {
      holder.kill('SIGKILL');
    }
    await new Promise((r) => setTimeout(r, 100));
    const after = await run(config); // the holder is gone: its lock is stale
    expect([0, 1]).toContain(after.code);
    expect(collector.received).toHaveLength(1);
  });
});
