import { severityRank, STATUSES, type FindingDraft, type Overflow, type Severity, type Status } from './types.js';

/** Findings kept per check, subject kind and status; the rest become one aggregate finding per kind. */
export const MAX_FINDINGS_PER_KIND = 100;
/** Subjects of the omitted findings quoted in the aggregate. */
const EXAMPLES = 5;

/** "path" for a file path, "user" for `user:x`, else the subject's own kind. */
export function subjectKind(subject: string): string {
  if (subject.startsWith('/')) return 'path';
  const m = /^([a-z][a-z0-9-]*):/i.exec(subject);
  return m ? m[1]!.toLowerCase() : 'other';
}

/** The subject of the aggregate of one kind: never a path, so no remediation takes it for a target. */
export const aggregateSubject = (kind: string) => `more:${kind}`;

const statusRank = (s: Status) => STATUSES.indexOf(s);

/** Worst first (fail, error, warn, pass, skip; then by severity), stable otherwise. */
function worstFirst(defaultSeverity: Severity) {
  return (a: FindingDraft, b: FindingDraft) =>
    statusRank(a.status) - statusRank(b.status) || severityRank(a.severity ?? defaultSeverity) - severityRank(b.severity ?? defaultSeverity);
}

/**
 * An aggregate draft for findings a check counted but did not list (a scan
 * that keeps only the first N). Its status and severity are the worst of
 * those it stands for, so a flood never turns a fail into something milder.
 */
export function overflowDraft(kind: string, o: Overflow, severity?: Severity): FindingDraft {
  const worst = (Object.keys(o.statuses) as Status[]).sort((a, b) => statusRank(a) - statusRank(b))[0] ?? 'warn';
  return { status: worst, subject: aggregateSubject(kind), message: '', severity, overflow: o };
}

function merge(into: Overflow, from: Overflow): void {
  into.count += from.count;
  into.bytes += from.bytes;
  for (const [s, n] of Object.entries(from.statuses) as Array<[Status, number]>) into.statuses[s] = (into.statuses[s] ?? 0) + n;
  for (const e of from.examples) if (into.examples.length < EXAMPLES) into.examples.push(e);
}

/**
 * Caps one check's drafts: per subject kind and status, the first
 * MAX_FINDINGS_PER_KIND (most severe first) are kept, in their order; the
 * rest are folded into the kind's one aggregate, merged with the one the
 * check made itself, if any.
 */
export function capDrafts(drafts: FindingDraft[], defaultSeverity: Severity, max = MAX_FINDINGS_PER_KIND): FindingDraft[] {
  const byKind = new Map<string, FindingDraft[]>();
  const aggregates = new Map<string, FindingDraft>();
  for (const d of drafts) {
    if (d.overflow) {
      const kind = d.subject.slice('more:'.length);
      const prev = aggregates.get(kind);
      if (prev) merge(prev.overflow!, d.overflow);
      else aggregates.set(kind, { ...d, overflow: { ...d.overflow, statuses: { ...d.overflow.statuses }, examples: [...d.overflow.examples] } });
      continue;
    }
    const kind = subjectKind(d.subject);
    const list = byKind.get(kind);
    if (list) list.push(d);
    else byKind.set(kind, [d]);
  }
  const keep = new Set<FindingDraft>();
  for (const [kind, list] of byKind) {
    if (list.length <= max) {
      list.forEach((d) => keep.add(d));
      continue;
    }
    // Each status has its own quota: a flood of fails never folds away the one warn that says what was not seen.
    const sorted = [...list].sort(worstFirst(defaultSeverity));
    const perStatus = new Map<Status, number>();
    const omitted: FindingDraft[] = [];
    for (const d of sorted) {
      const n = perStatus.get(d.status) ?? 0;
      if (n < max) {
        perStatus.set(d.status, n + 1);
        keep.add(d);
      } else omitted.push(d);
    }
    if (omitted.length === 0) continue;
    const o: Overflow = { count: 0, bytes: 0, statuses: {}, examples: [] };
    for (const d of omitted) merge(o, { count: 1, bytes: d.bytes ?? 0, statuses: { [d.status]: 1 }, examples: [d.subject] });
    // The worst severity among the omitted findings of the worst status (a pass's severity says nothing).
    const worstStatus = omitted[0]!.status;
    const worstSeverity = omitted
      .filter((d) => d.status === worstStatus)
      .map((d) => d.severity ?? defaultSeverity)
      .sort((a, b) => severityRank(a) - severityRank(b))[0];
    const agg = overflowDraft(kind, o, worstSeverity);
    const prev = aggregates.get(kind);
    if (prev) {
      merge(prev.overflow!, o);
      prev.severity = worstOf(prev.severity, agg.severity, defaultSeverity);
    } else aggregates.set(kind, agg);
  }
  const out = drafts.filter((d) => keep.has(d));
  for (const a of aggregates.values()) {
    // Re-derive the worst status and severity after merging.
    const fresh = overflowDraft(subjectKindOf(a), a.overflow!, a.severity);
    out.push({ ...fresh, severity: worstOf(a.severity, fresh.severity, defaultSeverity) });
  }
  return out;
}

const subjectKindOf = (a: FindingDraft) => a.subject.slice('more:'.length);
const worstOf = (a: Severity | undefined, b: Severity | undefined, d: Severity) => [a ?? d, b ?? d].sort((x, y) => severityRank(x) - severityRank(y))[0];

/** The aggregate's message and evidence, built from its counts. */
export function renderOverflow(o: Overflow): { message: string; evidence: string[] } {
  const by = (Object.entries(o.statuses) as Array<[Status, number]>)
    .sort(([a], [b]) => statusRank(a) - statusRank(b))
    .map(([s, n]) => `${s} ${n}`)
    .join(', ');
  const bytes = o.bytes > 0 ? `, ${o.bytes} bytes in all` : '';
  return {
    message: `${o.count} more finding(s) of this kind not listed (${by}${bytes}); the listed ones come first, a remediation acts on those and the next run lists the next ones`,
    evidence: [`count ${o.count}`, ...(o.bytes > 0 ? [`total bytes ${o.bytes}`] : []), ...o.examples.map((e) => `example: ${e}`)],
  };
}
