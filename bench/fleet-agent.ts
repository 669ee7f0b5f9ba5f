// One worker process of the fleet bench (bench/fleet.mjs): a slice of the
// 10,000 agents, each with its own state dir and spool (on tmpfs), running
// the agent's real delivery code each cycle: Spool.add and enforce, then
// drainSpool over mutual TLS with sendReport. Only time is compressed: every
// sleep the delivery code asks for (splay, backoff, Retry-After) and the tick
// offset are divided by `scale`; the network, TLS and gzip are real.
import { createHash, randomUUID } from 'node:crypto';
import { promises as fsp, readFileSync } from 'node:fs';
import https from 'node:https';
import tls from 'node:tls';
import path from 'node:path';
import pino from 'pino';
import { defaultConfig } from '../agent/config/schema.js';
import { offsetFraction, tickOffsetMs } from '../agent/daemon/jitter.js';
import { drainSpool } from '../agent/delivery/drain.js';
import { createTransport, type Transport } from '../agent/delivery/send.js';
import { Spool } from '../agent/delivery/spool.js';

export interface Init {
  type: 'init';
  first: number;
  count: number;
  base: string;
  url: string;
  ca: string;
  cert: string;
  key: string;
  token: string;
  body: string;
  schedule: string;
  periodMs: number;
  scale: number;
}

export interface Cycle {
  type: 'cycle';
  cycle: number;
  /** Wall-clock start of the tick (epoch ms). */
  t0: number;
  /** Tick offset, splay and jitter on (this version) or off (every agent in step). */
  jitter: boolean;
  /**
   * An outage cycle: the report is spooled and the run marked failed, as a
   * run whose every attempt was refused leaves it, without the attempts
   * (nothing reaches the collector then), to keep the bench short.
   */
  outage: boolean;
}

const log = pino({ level: 'silent' });
let init: Init;
let body: string;
let bodyId: string;
/** One TLS context per worker: parsing the key and certificates per connection is not what is measured here. */
let secureContext: tls.SecureContext;
const agents: Array<{ spool: Spool; base: Transport; fraction: number }> = [];

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

async function setup(m: Init): Promise<void> {
  init = m;
  body = readFileSync(m.body, 'utf8');
  bodyId = (JSON.parse(body) as { id: string }).id;
  secureContext = tls.createSecureContext({ ca: readFileSync(m.ca), cert: readFileSync(m.cert), key: readFileSync(m.key) });
  const cfg = { ...defaultConfig().report, url: m.url, token_file: m.token, ca_file: m.ca, cert_file: m.cert, key_file: m.key, timeout_ms: 30_000, connect_timeout_ms: 10_000 };
  for (let i = m.first; i < m.first + m.count; i++) {
    const spool = new Spool(path.join(m.base, `agent-${i}`));
    await spool.init();
    // createTransport once per agent (credential files read under the trust rules); a fresh
    // https.Agent each cycle below, as each real cycle is a new process with a new connection.
    const base = await createTransport(cfg);
    base.agent.destroy();
    const machineId = createHash('sha256').update(`fleet-agent-${i}`).digest('hex').slice(0, 32);
    agents.push({ spool, base, fraction: offsetFraction(machineId, m.schedule) });
  }
}

async function agentCycle(a: (typeof agents)[number], c: Cycle): Promise<{ delivered: number; requests: number; remaining: number }> {
  const r = defaultConfig().report;
  const offset = c.jitter && !c.outage ? tickOffsetMs(a.fraction, defaultConfig().agent.tick_offset_max_ms, init.periodMs) : 0;
  await sleep(c.t0 + offset / init.scale - Date.now());
  const id = randomUUID();
  await a.spool.add(id, body.split(bodyId).join(id));
  await a.spool.enforce({ maxReports: r.spool_max_reports, maxBytes: r.spool_max_bytes });
  if (c.outage) {
    await a.spool.setDeliveryFailed(true);
    return { delivered: 0, requests: 0, remaining: (await a.spool.list()).length };
  }
  const transport: Transport = { ...a.base, agent: new https.Agent({ secureContext, keepAlive: true, maxSockets: 1, rejectUnauthorized: true }) };
  try {
    const d = await drainSpool(a.spool, transport, {
      splayMaxMs: c.jitter ? r.splay_max_ms : 0,
      maxAttempts: r.max_attempts,
      retryBaseMs: r.retry_base_ms,
      retryMaxMs: r.retry_max_ms,
      log,
      sleep: (ms) => sleep(ms / init.scale),
      // Without jitter every agent computes the same waits: the old lockstep.
      random: c.jitter ? Math.random : () => 1,
    });
    return { delivered: d.delivered, requests: d.requests, remaining: d.remaining };
  } finally {
    transport.agent.destroy();
  }
}

process.on('message', (m: Init | Cycle | { type: 'exit' }) => {
  void (async () => {
    if (m.type === 'init') {
      await setup(m);
      process.send!({ type: 'ready' });
    } else if (m.type === 'cycle') {
      const results = await Promise.all(agents.map((a) => agentCycle(a, m)));
      const sum = (k: 'delivered' | 'requests' | 'remaining') => results.reduce((n, r) => n + r[k], 0);
      process.send!({ type: 'done', cycle: m.cycle, delivered: sum('delivered'), requests: sum('requests'), remaining: sum('remaining'), endedAt: Date.now() });
    } else if (m.type === 'exit') {
      await fsp.rm(init.base, { recursive: true, force: true }).catch(() => undefined);
      process.exit(0);
    }
  })().catch((err: unknown) => {
    process.send!({ type: 'error', error: String((err as Error).stack ?? err) });
  });
});
