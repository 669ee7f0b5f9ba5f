import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { readRootFile, rootControlled, TrustError } from '../host/trust.js';
import type { DeliveryFigures } from '../report/prometheus.js';
import { atomicWrite } from '../util/atomic-write.js';

/**
 * Delivery health for the metrics: what the spool directory shows now, and
 * what it cannot show (reports set aside over time, the last success), kept
 * in a small root-only record in the state dir. The record is written under
 * the run lock (run, daemon cycle, deliver), so there is one writer at a time.
 */

export const HEALTH_FILE = 'delivery-health.json';
const MAX_HEALTH_BYTES = 4096;
/** atomicWrite's temp name for the record (util/atomic-write.ts). */
const LEFTOVER = /^\.delivery-health\.json\.[0-9a-f]{12}\.tmp$/;
/** A spooled report's name starts with the time it was spooled (ms): see spool.ts. */
const REPORT = /^(\d{13})-\d{6}-[0-9a-f-]{36}\.json$/;

export interface DeliveryRecord {
  /** Reports moved to spool/rejected/ since the state dir was made. */
  rejectedTotal: number;
  /** Unix ms of the last report the collector acknowledged; 0 when none yet. */
  lastSuccessMs: number;
}

export type DeliveryOutcome = 'delivered' | 'rejected';

const count = (v: unknown) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : 0);

/** The record; zeros when there is none yet. A record not root's is a TrustError (the caller says so). */
export async function readDeliveryRecord(stateDir: string): Promise<DeliveryRecord> {
  let text: string;
  try {
    text = (await readRootFile(path.join(stateDir, HEALTH_FILE), 'delivery record', { maxBytes: MAX_HEALTH_BYTES })).toString('utf8');
  } catch (err) {
    if (err instanceof TrustError && err.code === 'ENOENT') return { rejectedTotal: 0, lastSuccessMs: 0 };
    throw err;
  }
  let doc: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed === 'object' && parsed !== null) doc = parsed as Record<string, unknown>;
  } catch {
    // A torn record cannot happen (atomic write); a hand-edited one counts from zero again.
  }
  return { rejectedTotal: count(doc.rejectedTotal), lastSuccessMs: count(doc.lastSuccessMs) };
}

/**
 * Counts one outcome of a delivery attempt. The caller holds the run lock. A
 * record not believed (not root's, a link) is replaced by a fresh one (the
 * rename replaces a link, never writes through it): the counter restarts,
 * which Prometheus reads as a counter reset.
 */
export async function recordDelivery(stateDir: string, outcome: DeliveryOutcome, nowMs = Date.now()): Promise<void> {
  const r = await readDeliveryRecord(stateDir).catch((err: unknown) => {
    if (err instanceof TrustError && err.code !== 'EIO') return { rejectedTotal: 0, lastSuccessMs: 0 };
    throw err;
  });
  if (outcome === 'rejected') r.rejectedTotal++;
  else r.lastSuccessMs = Math.max(r.lastSuccessMs, nowMs);
  // A writer killed (-9) between its temp file and the rename left one behind: ours to remove, under the run lock.
  for (const name of await fsp.readdir(stateDir).catch(() => [] as string[])) {
    if (LEFTOVER.test(name)) await fsp.rm(path.join(stateDir, name), { force: true });
  }
  await atomicWrite(path.join(stateDir, HEALTH_FILE), JSON.stringify(r) + '\n', { mode: 0o600 });
}

/** Reports in one spool directory and the oldest one's time; nothing is changed (an audit only looks). */
async function spooled(dir: string): Promise<{ count: number; oldestMs: number | null }> {
  const t = await rootControlled(dir);
  if (!t.ok && t.missing) return { count: 0, oldestMs: null };
  if (!t.ok) throw new TrustError('EUNTRUSTED', dir, 'spool', t.reason);
  const names = await fsp.readdir(t.real);
  let n = 0;
  let oldest: number | null = null;
  for (const name of names) {
    const m = REPORT.exec(name);
    if (!m) continue;
    n++;
    const ms = Number(m[1]);
    if (oldest === null || ms < oldest) oldest = ms;
  }
  return { count: n, oldestMs: oldest };
}

/**
 * Everything the metrics say about delivery, read under the trust rules. A
 * TrustError (state dir or record not root's) is the caller's to report:
 * unknown is never shown as healthy.
 */
export async function deliveryFigures(stateDir: string, dropped: () => Promise<number>, nowMs = Date.now()): Promise<DeliveryFigures> {
  const spool = path.join(stateDir, 'spool');
  const [waiting, rejected, record, droppedTotal] = await Promise.all([spooled(spool), spooled(path.join(spool, 'rejected')), readDeliveryRecord(stateDir), dropped()]);
  return {
    spooled: waiting.count,
    rejected: rejected.count,
    oldestAgeSeconds: waiting.oldestMs === null ? 0 : Math.max(0, Math.round((nowMs - waiting.oldestMs) / 1000)),
    dropped: droppedTotal,
    rejectedTotal: record.rejectedTotal,
    lastSuccessSeconds: Math.floor(record.lastSuccessMs / 1000),
  };
}
