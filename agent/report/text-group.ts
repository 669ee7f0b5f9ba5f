import { subjectKind } from '../engine/cap.js';
import type { Finding } from '../engine/types.js';

/** Subject kinds that repeat once per registered runner. */
const PER_RUNNER: Record<string, string> = { runner: 'runners', 'github-runner': 'GitHub runners' };

/** One line of the text report: a finding, or the same verdict on several runners. */
export interface TextGroup {
  lead: Finding;
  /** The findings it stands for, in report order (just `lead` for most). */
  members: Finding[];
  /** What the members are, shown as `N <noun>`: "runners", "GitHub runners". */
  noun: string;
  /** The members' subjects without their shared `kind:` prefix. */
  names: string[];
  /** Evidence of the members merged: the same line at several `file:line`s becomes `file: ... (lines 10, 20)`. */
  evidence: string[];
}

const LINE_REF = /^(.*?):(\d+): /;

/** An evidence line with its line number taken out, and the number. */
function split(e: string): { shape: string; line?: string } {
  const m = LINE_REF.exec(e);
  return m ? { shape: `${m[1]}:#: ${e.slice(m[0].length)}`, line: m[2] } : { shape: e };
}

function key(f: Finding): string | null {
  const kind = subjectKind(f.subject);
  if (!(kind in PER_RUNNER)) return null;
  // JSON, not a separator: every part may hold what a job wrote. The kind keeps GitLab and GitHub runners apart.
  return JSON.stringify([kind, f.check, f.status, f.severity, f.message, f.remediation.summary, f.waived ?? null, f.waiverExpired ?? null, f.evidence.map((e) => split(e).shape)]);
}

/** `file:10: x` of every member, as `file: x (lines 10, 20, 30)` (each number once). */
function mergeEvidence(members: Finding[]): string[] {
  return members[0]!.evidence.map((e, i) => {
    const m = LINE_REF.exec(e);
    if (!m) return e;
    const lines = [...new Set(members.map((f) => split(f.evidence[i]!).line!))];
    return `${m[1]}: ${e.slice(m[0].length)} (${lines.length > 1 ? 'lines' : 'line'} ${lines.join(', ')})`;
  });
}

/**
 * Findings of one check with the same status, message, fix, waiver and
 * evidence (but for its line numbers) on several runners become one group;
 * everything else stays a group of one. Order: each group where its first
 * member was.
 */
export function groupForText(findings: Finding[]): TextGroup[] {
  const groups: TextGroup[] = [];
  const byKey = new Map<string, TextGroup>();
  for (const f of findings) {
    const k = key(f);
    const g = k === null ? undefined : byKey.get(k);
    if (g) {
      g.members.push(f);
      continue;
    }
    const kind = subjectKind(f.subject);
    const fresh: TextGroup = { lead: f, members: [f], evidence: f.evidence, noun: PER_RUNNER[kind] ?? 'findings', names: [] };
    groups.push(fresh);
    if (k !== null) byKey.set(k, fresh);
  }
  for (const g of groups) {
    if (g.members.length < 2) continue;
    g.evidence = mergeEvidence(g.members);
    g.names = g.members.map((m) => m.subject.slice(m.subject.indexOf(':') + 1));
  }
  return groups;
}
