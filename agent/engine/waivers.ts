import type { WaiverConfig } from '../config/schema.js';
import type { Finding } from './types.js';

/** A waiver's `check` or `subject` pattern: `*` any run of characters, `?` one. */
export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/** A waiver's `expires` is a date: it applies through the end of that day (UTC). */
function expired(expires: string | undefined, now: Date): boolean {
  if (!expires) return false;
  const end = new Date(`${expires.slice(0, 10)}T23:59:59.999Z`);
  return Number.isNaN(end.getTime()) ? false : now > end;
}

/**
 * Marks matching fail/warn findings as waived. A waived finding keeps its
 * status; an expired waiver no longer applies and the finding says so.
 */
export function applyWaivers(findings: Finding[], waivers: WaiverConfig[], now: Date): void {
  const compiled = waivers.map((w) => ({ w, check: globToRegExp(w.check), subject: globToRegExp(w.subject ?? '*') }));
  for (const f of findings) {
    if (f.status !== 'fail' && f.status !== 'warn') continue;
    const hit = compiled.find((c) => c.check.test(f.check) && c.subject.test(f.subject));
    if (!hit) continue;
    const waiver = { reason: hit.w.reason, ...(hit.w.expires ? { expires: hit.w.expires } : {}) };
    if (expired(hit.w.expires, now)) {
      f.waiverExpired = waiver;
      f.message += ` (waiver expired ${hit.w.expires}: ${hit.w.reason})`;
    } else {
      f.waived = waiver;
    }
  }
}
