import type { Logger } from 'pino';
import { TrustError } from '../host/trust.js';
import { sendReport, type Transport } from './send.js';
import type { Spool, SpoolEntry } from './spool.js';

export interface DrainOptions {
  /**
   * Random delay before the first request of a run with a backlog, or of any
   * run after one that failed: a fleet whose collector just came back does not
   * stampede it in step. 0 turns it off (`deliver`: someone is waiting).
   */
  splayMaxMs: number;
  /** Retryable failures (408, 429, 5xx, network) one run accepts in all, whatever the backlog; then the rest stays spooled. */
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  log: Logger;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Told of each report delivered or set aside, as it happens (health.ts keeps count for the metrics). */
  onOutcome?: (outcome: 'delivered' | 'rejected') => Promise<void>;
}

export interface DrainResult {
  delivered: number;
  rejected: number;
  remaining: number;
  /** Entries set aside unsent because they were not root's regular files. */
  untrusted: number;
  /** Requests made (each attempt counts). */
  requests: number;
  lastError?: string;
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * How long to wait before attempt `attempt + 1`, or null to wait no longer in
 * this run. Bounded exponential (retry_base_ms doubling up to retry_max_ms)
 * with equal jitter (half fixed, half random), so agents that failed
 * together do not retry together. A collector's Retry-After is honoured: no
 * earlier than it says, plus jitter on top (a shedding collector tells every
 * agent the same number); one beyond retry_max_ms ends the run, and the
 * reports wait for the next cycle.
 */
export function backoffMs(attempt: number, o: Pick<DrainOptions, 'retryBaseMs' | 'retryMaxMs'>, retryAfterMs: number | undefined, random: () => number): number | null {
  const cap = Math.min(o.retryMaxMs, o.retryBaseMs * 2 ** attempt);
  if (retryAfterMs === undefined) return Math.round(cap / 2 + random() * (cap / 2));
  if (retryAfterMs > o.retryMaxMs) return null;
  return Math.min(o.retryMaxMs, Math.round(retryAfterMs + random() * (cap / 2)));
}

/** The splay before the first request: for a backlog, and after a failed run (the marker in the state dir). */
async function splayFirst(spool: Spool, backlog: number, o: DrainOptions, sleep: (ms: number) => Promise<void>, random: () => number): Promise<void> {
  if (o.splayMaxMs <= 0 || backlog === 0) return;
  const afterFailure = await spool.lastDeliveryFailed();
  if (backlog < 2 && !afterFailure) return;
  const splay = Math.round(random() * o.splayMaxMs);
  o.log.info({ backlog, afterFailure, splayMs: splay }, 'waiting a random splay before delivering');
  await sleep(splay);
}

/** A spooled report that cannot be sent as it is; set aside with why. */
async function setAsideUnreadable(spool: Spool, entry: SpoolEntry, err: unknown, result: DrainResult, log: Logger): Promise<void> {
  if (err instanceof TrustError && err.code !== 'ENOENT' && err.code !== 'ETOOBIG') {
    // A link, a FIFO, a file not root's: never sent, kept aside (the link itself is moved, not followed) for a person to see.
    await spool.reject(entry, `not sent: ${err.message}`);
    log.error({ file: entry.name, reason: err.reason }, 'spool entry is not a regular file root owns: set aside in spool/rejected, not sent');
    result.untrusted++;
  } else {
    await spool.reject(entry, `unreadable or corrupt spool file: ${(err as Error).message}`);
    log.error({ file: entry.name }, 'spooled report is corrupt; set aside in spool/rejected');
    result.rejected++;
  }
  result.remaining--;
}

/**
 * Sends the spool oldest first. A report leaves the spool only once the
 * collector acknowledged it (2xx) or refused it for good (4xx other than
 * 408/429: set aside in rejected/, itself bounded). On a retryable failure
 * it backs off and tries again, at most maxAttempts failures per run in all,
 * so the load a fleet puts on a recovering collector stays bounded per cycle.
 */
export async function drainSpool(spool: Spool, transport: Transport, o: DrainOptions): Promise<DrainResult> {
  const sleep = o.sleep ?? realSleep;
  const random = o.random ?? Math.random;
  const entries = await spool.list();
  const result: DrainResult = { delivered: 0, rejected: 0, remaining: entries.length, untrusted: 0, requests: 0 };
  await splayFirst(spool, entries.length, o, sleep, random);
  let failures = 0;
  const end = async (failed: boolean) => {
    await spool.setDeliveryFailed(failed);
    return result;
  };
  for (const entry of entries) {
    let body: string;
    try {
      body = await spool.read(entry);
      JSON.parse(body);
    } catch (err) {
      await setAsideUnreadable(spool, entry, err, result, o.log);
      await o.onOutcome?.('rejected');
      continue;
    }
    const id = spool.idOf(entry);
    for (;;) {
      const r = await sendReport(transport, id, body);
      result.requests++;
      if (r.ok) {
        await spool.remove(entry);
        o.log.info({ id, status: r.status }, 'report delivered');
        result.delivered++;
        result.remaining--;
        await o.onOutcome?.('delivered');
        break;
      }
      if (!r.retry) {
        const dropped = await spool.reject(entry, r.error);
        o.log.error({ id, status: r.status, error: r.error }, 'collector refused the report; set aside in spool/rejected, not retried');
        for (const d of dropped) o.log.warn({ dropped: d.name }, 'spool/rejected full: dropped the oldest rejected report');
        result.rejected++;
        result.remaining--;
        await o.onOutcome?.('rejected');
        break;
      }
      result.lastError = r.error;
      const wait = ++failures >= o.maxAttempts ? null : backoffMs(failures - 1, o, r.retryAfterMs, random);
      if (wait === null) {
        o.log.warn({ id, error: r.error, retryAfterMs: r.retryAfterMs, spooled: result.remaining }, 'collector unavailable; reports stay spooled for the next run');
        return end(true);
      }
      o.log.warn({ id, error: r.error, retryInMs: wait }, 'delivery failed; retrying');
      await sleep(wait);
    }
  }
  return end(false);
}
