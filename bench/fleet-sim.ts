// A simulated fleet: N agents (each with its own state dir, spool and
// transport, the agent's real delivery code) against one local collector that
// is down for a while, then up. Bundled and run by bench/fleet.mjs.
import { promises as fsp } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { defaultConfig } from '../agent/config/schema.js';
import { drainSpool } from '../agent/delivery/drain.js';
import { createTransport } from '../agent/delivery/send.js';
import { Spool } from '../agent/delivery/spool.js';

interface Result {
  agents: number;
  produced: number;
  delivered: number;
  peakRps: number;
  drainMs: number;
  requests: number;
}

async function simulate(agents: number, reportsEach: number, splayMaxMs: number): Promise<Result> {
  const base = await fsp.mkdtemp(path.join(os.tmpdir(), 'rg-fleet-'));
  const seen = new Set<string>();
  const buckets = new Map<number, number>();
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests++;
    const b = Math.floor(Date.now() / 100);
    buckets.set(b, (buckets.get(b) ?? 0) + 1);
    req.resume();
    req.on('end', () => {
      seen.add(String(req.headers['idempotency-key']));
      res.writeHead(200).end();
    });
  });
  // Outage: every agent spools its reports while nothing listens.
  const spools: Spool[] = [];
  let produced = 0;
  for (let a = 0; a < agents; a++) {
    const spool = new Spool(path.join(base, `agent-${a}`));
    for (let r = 0; r < reportsEach; r++) {
      const id = `${String(a).padStart(8, '0')}-0000-4000-8000-${String(r).padStart(12, '0')}`;
      await spool.add(id, JSON.stringify({ schema: 'runnerguard/report@1', id, findings: [] }));
      produced++;
    }
    spools.push(spool);
  }
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const cfg = defaultConfig().report;
  cfg.url = `http://127.0.0.1:${port}/v1/reports`;
  const log = pino({ level: 'silent' });
  // Recovery: every agent's next timer run drains its backlog.
  const t0 = Date.now();
  await Promise.all(
    spools.map(async (spool) => {
      const transport = await createTransport(cfg);
      try {
        await drainSpool(spool, transport, { splayMaxMs, maxAttempts: 5, retryBaseMs: 200, retryMaxMs: 5000, log });
      } finally {
        transport.agent.destroy();
      }
    }),
  );
  const drainMs = Date.now() - t0;
  await new Promise<void>((r) => server.close(() => r()));
  await fsp.rm(base, { recursive: true, force: true });
  return { agents, produced, delivered: seen.size, peakRps: Math.max(...buckets.values()) * 10, drainMs, requests };
}

const agents = Number(process.argv[2] ?? 500);
const each = Number(process.argv[3] ?? 4);
const splay = Number(process.argv[4] ?? 10_000);
for (const s of [0, splay]) {
  const r = await simulate(agents, each, s);
  console.log(JSON.stringify({ splayMaxMs: s, ...r }));
}
