import type { Logger } from 'pino';
import { TrustError } from '../host/trust.js';
import { sendReport, type Transport } from './send.js';
import type { Spool } from './spool.js';

export interface DrainOptions {
  /** Random delay before draining a backlog, so a fleet does not stampede a collector that just came back. */
  splayMaxMs: number;
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
  lastError?: string;
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Full jitter on an exponential step, or the collector's Retry-After when it gave one. */
export function backoffMs(attempt: number, o: Pick<DrainOptions, 'retryBaseMs' | 'retryMaxMs'>, retryAfterMs: number | undefined, random: () => number): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, o.retryMaxMs);
  const cap = Math.min(o.retryMaxMs, o.retryBaseMs * 2 ** attempt);
  return Math.round(cap / 2 + random() * (cap / 2));
}

/**
 * Sends the spool oldest first. A report leaves the spool only once the
 * collector acknowledged it (2xx) or refused it for good (4xx other than
 * 408/429: set aside in rejected/). On a retryable failure it backs off and
 * tries again; after maxAttempts it stops and keeps the rest for the next run.
 */
export async function drainSpool(spool: Spool, transport: Transport, o: DrainOptions): Promise<DrainResult> {
  const sleep = o.sleep ?? realSleep;
  const random = o.random ?? Math.random;
  const entries = await spool.list();
  const result: DrainResult = { delivered: 0, rejected: 0, remaining: entries.length, untrusted: 0 };
  if (entries.length > 1 && o.splayMaxMs > 0) {
    const splay = Math.round(random() * o.splayMaxMs);
    o.log.info({ backlog: entries.length, splayMs: splay }, 'waiting a random splay before draining the spool backlog');
    await sleep(splay);
  }
  for (const entry of entries) {
    let body: string;
    try {
      body = await spool.read(entry);
      JSON.parse(body);
    } catch (err) {
      if (err instanceof TrustError && err.code !== 'ENOENT' && err.code !== 'ETOOBIG') {
        // A link, a FIFO, a file not root's: never sent, kept aside (the link itself is moved, not followed) for a person to see.
        await spool.reject(entry, `not sent: ${err.message}`);
        o.log.error({ file: entry.name, reason: err.reason }, 'spool entry is not a regular file root owns: set aside in spool/rejected, not sent');
        result.untrusted++;
        result.remaining--;
        await o.onOutcome?.('rejected');
        continue;
      }
      await spool.reject(entry, `unreadable or corrupt spool file: ${(err as Error).message}`);
      o.log.error({ file: entry.name }, 'spooled report is corrupt; set aside in spool/rejected');
      result.rejected++;
      result.remaining--;
      await o.onOutcome?.('rejected');
      continue;
    }
    const id = spool.idOf(entry);
    for (let attempt = 0; ; attempt++) {
      const r = await sendReport(transport, id, body);
      if (r.ok) {
        await spool.remove(entry);
        o.log.info({ id, status: r.status }, 'report delivered');
        result.delivered++;
        result.remaining--;
        await o.onOutcome?.('delivered');
        break;
      }
      if (!r.retry) {
        await spool.reject(entry, r.error);
        o.log.error({ id, status: r.status, error: r.error }, 'collector refused the report; set aside in spool/rejected, not retried');
        result.rejected++;
        result.remaining--;
        await o.onOutcome?.('rejected');
        break;
      }
      result.lastError = r.error;
      if (attempt + 1 >= o.maxAttempts) {
        o.log.warn({ id, error: r.error, spooled: result.remaining }, 'collector unavailable; reports stay spooled for the next run');
        return result;
      }
      const wait = backoffMs(attempt, o, r.retryAfterMs, random);
      o.log.warn({ id, error: r.error, retryInMs: wait }, 'delivery failed; retrying');
      await sleep(wait);
    }
  }
  return result;
}
