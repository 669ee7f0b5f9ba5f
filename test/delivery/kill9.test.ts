import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { Collector } from '../helpers/collector.js';
import { useDeliveryHost, writeDeliveryConfig } from '../helpers/delivery-fixture.js';

const ROUNDS = 25;
const host = useDeliveryHost();
let work: string;

beforeAll(async () => {
  work = await fsp.mkdtemp(path.join(os.tmpdir(), 'rg-kill9-'));
});
afterAll(async () => {
  await fsp.rm(work, { recursive: true, force: true });
});

/** Where a round's kill is aimed; each is reached by observing the run, not by the clock. */
type Target = 'spooling' | 'sending' | 'delivered';
const TARGETS: Target[] = ['spooling', 'sending', 'delivered'];
const MILESTONE: Record<Target, string> = { spooling: 'last-report.json written', sending: 'a request at the collector', delivered: 'a reply from the collector' };
/** Bound on each wait: a run that never gets there fails the round clearly instead of hanging. */
const WAIT_MS = 30_000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A real `runnerguard run`, its output drained (logs go to stderr, written synchronously) and its tail kept. */
function spawnRun(config: string) {
  const child = spawn(process.execPath, [host.bundle, 'run', '--root', host.root.root, '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  const run = { tail: '', exited: false, code: null as number | null, signal: null as NodeJS.Signals | null, child };
  const keep = (b: Buffer) => void (run.tail = (run.tail + b.toString('utf8')).slice(-2000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.on('exit', (code, signal) => Object.assign(run, { exited: true, code, signal }));
  return run;
}

type Run = ReturnType<typeof spawnRun>;

/**
 * Polls until `ready`; an error naming `what` when the run exits first (with
 * its last output) or after WAIT_MS. A run that exits just after getting
 * there counts as there.
 */
async function waitFor(what: string, ready: () => Promise<boolean> | boolean, run: Run | null): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    if (await ready()) return;
    if (run?.exited) {
      if (await ready()) return;
      throw new Error(`the run exited (code ${run.code}, signal ${run.signal}) before ${what}; its last output:\n${run.tail}`);
    }
    if (Date.now() > deadline) throw new Error(`no ${what} within ${WAIT_MS} ms${run ? `; the run's last output:\n${run.tail}` : ''}`);
    await sleep(1);
  }
}

/** Inode and ctime of a file (atomicWrite renames a new one in), or null. */
async function version(file: string): Promise<string | null> {
  const st = await fsp.stat(file, { bigint: true }).catch(() => null);
  return st ? `${st.ino}:${st.ctimeNs}` : null;
}

/**
 * One round: waits for the run to reach its target, then SIGKILLs it after
 * `delayMs`. spooling: last-report.json replaced, the step just before the
 * spool write (a few ms later the kill lands in or around the write).
 * sending: the collector has a request of this run (its reply is 40+ ms
 * away, so the kill lands mid-delivery). delivered: the collector has
 * answered one (the kill lands while the spool entry is removed, the counts
 * and metrics written, or after exit).
 */
async function runAndKill(config: string, state: string, collector: Collector, target: Target, delayMs: number): Promise<void> {
  const last = path.join(state, 'last-report.json');
  const before = { report: await version(last), requests: collector.requests, replies: collector.replies };
  const run = spawnRun(config);
  const ready: Record<Target, () => Promise<boolean> | boolean> = {
    spooling: async () => (await version(last)) !== before.report,
    sending: () => collector.requests > before.requests,
    delivered: () => collector.replies > before.replies,
  };
  try {
    await waitFor(MILESTONE[target], ready[target], run);
    if (delayMs > 0) await sleep(delayMs);
  } finally {
    run.child.kill('SIGKILL');
  }
  await waitFor('exit after SIGKILL', () => run.exited, null);
}

describe('kill -9 at random points of run (spooling and delivery)', () => {
  it(`loses no spooled report and leaves nothing corrupt (${ROUNDS} rounds)`, async () => {
    const collector = new Collector(host.pki);
    await collector.start();
    try {
      await rounds(collector);
    } finally {
      await collector.stop();
    }
  }, 15 * 60_000);
});

async function rounds(collector: Collector): Promise<void> {
  const { config, state } = await writeDeliveryConfig(work, { url: collector.url, pki: host.pki, report: { splay_max_ms: 0, retry_base_ms: 20, max_attempts: 2 } });
  // Slow replies widen the window in which a kill lands mid-delivery.
  for (let i = 0; i < ROUNDS * 3; i++) collector.script.push({ status: i % 4 === 0 ? 503 : 200, delayMs: 40 + (i * 37) % 200 });
  const seen = new Set<string>();
  for (let i = 0; i < ROUNDS; i++) {
    // A late reply to the previous round's request must not pass for this round's progress.
    await waitFor("the collector's replies to the previous round", () => collector.open === 0, null);
    const target = TARGETS[i % TARGETS.length]!;
    const delayMs = target === 'sending' ? (i * 17) % 40 : (i * 7) % 12;
    await runAndKill(config, state, collector, target, delayMs).catch((err: Error) => {
      throw new Error(`round ${i} (${target}, +${delayMs} ms): ${err.message}`);
    });
    for (const name of await fsp.readdir(path.join(state, 'spool')).catch(() => [] as string[])) {
      if (!name.endsWith('.json')) continue;
      const text = await fsp.readFile(path.join(state, 'spool', name), 'utf8');
      const report = JSON.parse(text); // a half-written spool file would throw here
      expect(report.schema).toBe('runnerguard/report@1');
      seen.add(report.id);
    }
    const last = await fsp.readFile(path.join(state, 'last-report.json'), 'utf8').catch(() => null);
    if (last !== null) expect(JSON.parse(last).schema).toBe('runnerguard/report@1');
  }
  for (const r of collector.received) seen.add(r.id);
  collector.script.length = 0;
  const d = await runCli(host.bundle, ['deliver', '--config', config]);
  expect(d.stdout).toMatch(/still spooled 0/);
  const delivered = new Set(collector.received.map((r) => r.id));
  const lost = [...seen].filter((id) => !delivered.has(id));
  expect(lost).toEqual([]);
  expect(seen.size).toBeGreaterThan(0);
  expect((await fsp.readdir(path.join(state, 'spool'))).filter((n) => n.endsWith('.tmp'))).toEqual([]);
}
