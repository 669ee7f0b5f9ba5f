// issue 12 part 3: on 429/503 attempts back off (bounded exponential with
// jitter, Retry-After honoured and bounded), a run's failed attempts are
// bounded whatever the backlog, and the first delivery after a failed run
// splays even for one report. The agent's drainSpool against the real HTTPS
// collector (mutual TLS, token); sleeps and randomness injected and recorded,
// so what is asserted is counts, orders and computed waits, never timings.
import { randomUUID } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../agent/config/schema.js';
import { backoffMs, drainSpool, type DrainOptions } from '../../agent/delivery/drain.js';
import { createTransport, parseRetryAfter, type Transport } from '../../agent/delivery/send.js';
import { Spool } from '../../agent/delivery/spool.js';
import { Collector } from '../helpers/collector.js';
import { makePki, type Pki } from '../helpers/pki.js';

let pki: Pki;
let collector: Collector;
let work: string;
let transport: Transport;

beforeAll(() => {
  pki = makePki();
});
afterAll(async () => {
  await fsp.rm(pki.dir, { recursive: true, force: true });
});
afterEach(async () => {
  transport?.agent.destroy();
  await collector?.stop().catch(() => undefined);
  if (work) await fsp.rm(work, { recursive: true, force: true });
});

async function setup(reports: number): Promise<{ spool: Spool; ids: string[] }> {
  collector = new Collector(pki);
  await collector.start();
  work = await fsp.mkdtemp(path.join(os.tmpdir(), 'rg-backoff-'));
  const token = path.join(work, 'token');
  await fsp.writeFile(token, `${collector.tokenValue}\n`, { mode: 0o600 });
  const cfg = { ...defaultConfig().report, url: collector.url, token_file: token, ca_file: pki.caCert, cert_file: pki.clientCert, key_file: pki.clientKey, timeout_ms: 5000 };
  transport = await createTransport(cfg);
  const spool = new Spool(path.join(work, 'state'));
  const ids: string[] = [];
  for (let i = 0; i < reports; i++) ids.push(await add(spool));
  return { spool, ids };
}

async function add(spool: Spool): Promise<string> {
  const id = randomUUID();
  await spool.add(id, JSON.stringify({ schema: 'runnerguard/report@1', id, findings: [] }));
  return id;
}

/** Options whose sleeps are recorded (and not slept) and whose random numbers come from a list. */
function opts(o: Partial<DrainOptions> & { randoms?: number[] } = {}): DrainOptions & { waits: number[] } {
  const waits: number[] = [];
  const randoms = [...(o.randoms ?? [])];
  return { splayMaxMs: 0, maxAttempts: 3, retryBaseMs: 2000, retryMaxMs: 60_000, log: pino({ level: 'silent' }), sleep: async (ms) => void waits.push(ms), random: () => randoms.shift() ?? 0.5, ...o, waits };
}

describe('backoffMs and parseRetryAfter', () => {
  const o = { retryBaseMs: 2000, retryMaxMs: 60_000 };
  it('bounded exponential with equal jitter: half fixed, half random', () => {
    expect([0, 1, 2, 3, 4, 5, 10].map((a) => backoffMs(a, o, undefined, () => 0))).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
    expect([0, 1, 2, 3, 4, 5, 10].map((a) => backoffMs(a, o, undefined, () => 0.999999))).toEqual([2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000]);
  });
  it('Retry-After: never earlier, jitter on top up to half the step, bounded; one beyond retry_max_ms waits for the next cycle', () => {
    expect(backoffMs(0, o, 5000, () => 0)).toBe(5000);
    expect(backoffMs(0, o, 5000, () => 0.999999)).toBe(6000);
    expect(backoffMs(3, o, 59_000, () => 0.999999)).toBe(60_000);
    expect(backoffMs(0, o, 60_001, () => 0)).toBeNull();
  });
  it('parses delta-seconds and IMF-fixdate only', () => {
    const now = Date.parse('Sun, 06 Nov 1994 08:49:37 GMT');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:50:07 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:40:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('99999999999999999999', now)).toBe(1e12);
    for (const junk of ['1.5', '-1', 'soon', '2025-01-01', '', undefined]) expect(parseRetryAfter(junk, now)).toBeUndefined();
  });
});

describe('drainSpool against a collector that sheds load', () => {
  it('a backlog of 5 behind a 503 wall: 3 requests in all (max_attempts per run), waits 1 then 2 steps, everything stays spooled', async () => {
    const { spool } = await setup(5);
    collector.script.push(...Array.from({ length: 20 }, () => ({ status: 503 })));
    const o = opts({ randoms: [0, 0, 0] });
    const r = await drainSpool(spool, transport, o);
    expect(collector.requests).toBe(3);
    expect(r).toMatchObject({ delivered: 0, remaining: 5, requests: 3 });
    expect(o.waits).toEqual([1000, 2000]);
    expect(await spool.lastDeliveryFailed()).toBe(true);
  });

  it('the budget is per run, not per report: 503 before each report spends it across the backlog', async () => {
    const { spool, ids } = await setup(4);
    collector.script.push({ status: 503 }, { status: 200 }, { status: 429 }, { status: 200 }, { status: 503 }, { status: 200 });
    const o = opts({ randoms: [0, 0] });
    const r = await drainSpool(spool, transport, o);
    // delivered + max_attempts requests at most: 2 + 3.
    expect(collector.requests).toBe(5);
    expect(r).toMatchObject({ delivered: 2, remaining: 2 });
    expect(collector.ids()).toEqual(ids.slice(0, 2));
    expect(o.waits).toEqual([1000, 2000]);
  });

  it('429 Retry-After: 7 is waited (plus jitter); Retry-After: 3600 ends the run after one request', async () => {
    const { spool, ids } = await setup(1);
    collector.script.push({ status: 429, retryAfter: '7' });
    const o = opts({ randoms: [0.5] });
    expect(await drainSpool(spool, transport, o)).toMatchObject({ delivered: 1, requests: 2 });
    expect(o.waits).toEqual([7500]);
    expect(collector.ids()).toEqual(ids);
    await add(spool);
    collector.script.push({ status: 503, retryAfter: '3600' });
    const later = opts();
    expect(await drainSpool(spool, transport, later)).toMatchObject({ delivered: 0, remaining: 1, requests: 1 });
    expect(later.waits).toEqual([]);
  });

  it('after a failed run, the next one splays before its first request even for a single report; after a success it does not', async () => {
    const { spool } = await setup(1);
    collector.script.push({ status: 503 });
    const failed = opts({ splayMaxMs: 60_000, maxAttempts: 1 });
    await drainSpool(spool, transport, failed);
    expect(failed.waits).toEqual([]); // one report, no failure before: no splay
    expect(collector.requests).toBe(1);

    // The failed report was dropped (a spool bound of one, say): one report again, but after a failure.
    for (const e of await spool.list()) await spool.remove(e);
    await add(spool);
    const after = opts({ splayMaxMs: 60_000, randoms: [0.25] });
    expect(await drainSpool(spool, transport, after)).toMatchObject({ delivered: 1 });
    expect(after.waits).toEqual([15_000]);
    expect(await spool.lastDeliveryFailed()).toBe(false);

    await add(spool);
    const calm = opts({ splayMaxMs: 60_000, randoms: [0.25] });
    await drainSpool(spool, transport, calm);
    expect(calm.waits).toEqual([]);
    expect(collector.requests).toBe(3);
  });
});
