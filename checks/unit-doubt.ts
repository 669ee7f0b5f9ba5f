import type { FindingDraft } from '../agent/engine/types.js';
import type { Unit } from '../agent/facts/systemd.js';

/** Issues named in one message at most; the rest are counted. */
const SHOWN = 3;

/**
 * A pass on a unit stands only when every file systemd applies to it was
 * read and is root's alone. Otherwise the pass becomes an `error` (a drop-in
 * could not be read: what it sets is unknown) or a `warn` (one a user other
 * than root can rewrite: what it says now may not hold). Fails, warns,
 * errors and skips are left as they are: what was read already says enough.
 */
export function doubtPass(d: FindingDraft, unit: Unit | null | undefined): FindingDraft {
  const issues = unit?.issues ?? [];
  if (d.status !== 'pass' || issues.length === 0) return d;
  const unread = issues.filter((i) => i.kind === 'unread');
  const pick = unread.length ? unread : issues;
  const more = pick.length > SHOWN ? `; and ${pick.length - SHOWN} more` : '';
  const why = pick.slice(0, SHOWN).map((i) => i.reason).join('; ') + more;
  const message = unread.length
    ? `not a pass: systemd applies to ${unit!.name} what could not be read (${why}); what it sets is unknown. As read: ${d.message}`
    : `not a pass: ${unit!.name} takes settings from files a user other than root can rewrite (${why}); what they say now may not hold. As read: ${d.message}`;
  return { ...d, status: unread.length ? 'error' : 'warn', message, evidence: [...(d.evidence ?? []), ...issues.map((i) => `${i.kind === 'unread' ? 'not read' : 'not root\'s alone'}: ${i.reason}`)] };
}

/** doubtPass over a judge's findings. */
export function doubtPasses(ds: FindingDraft | FindingDraft[], unit: Unit | null | undefined): FindingDraft[] {
  return (Array.isArray(ds) ? ds : [ds]).map((d) => doubtPass(d, unit));
}
