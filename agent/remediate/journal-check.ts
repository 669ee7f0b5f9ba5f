import path from 'node:path';
import type { JournalEntry } from './journal.js';
import type { RemediationMeta, Step, Touch } from './types.js';

const argvText = (argv: string[]) => argv.join(' ');

function matches(t: Touch, step: Step): boolean {
  if (t.op !== step.op) return false;
  if (t.path && (!('path' in step) || !t.path.test(path.posix.normalize(step.path)))) return false;
  if (step.op === 'serviceEnable') return (t.unit ?? /^$/).test(step.unit) && /^[\w@.-]+$/.test(step.wantedBy);
  if (step.op === 'validate' || step.op === 'reload') {
    if (!t.argv?.test(argvText(step.argv))) return false;
    if (step.op === 'reload') {
      if (step.undo?.some((a) => !t.undo?.test(argvText(a)))) return false;
      if (step.writes?.some((w) => !t.writes?.test(path.posix.normalize(w)))) return false;
    }
  }
  return true;
}

/** Whether the remediation declares a step like this one. */
export function allows(meta: RemediationMeta, step: Step): boolean {
  return meta.touches.some((t) => matches(t, step));
}

/** The paths a step's before-state may name: its own, their missing parents, and what its op rewrites. */
function allowedSnapshots(step: Step): (p: string) => boolean {
  const own = new Set<string>();
  if ('path' in step) own.add(path.posix.normalize(step.path));
  if (step.op === 'serviceEnable') own.add(`/etc/systemd/system/${step.wantedBy}.wants/${step.unit}`);
  if (step.op === 'reload') for (const w of step.writes ?? []) own.add(path.posix.normalize(w));
  if (step.op === 'groupRemove') return (p) => ['/etc/group', '/etc/gshadow', '/etc/group-', '/etc/gshadow-', '/etc/.pwd.lock'].includes(p);
  return (p) => [...own].some((o) => o === p || o.startsWith(`${p}/`));
}

/**
 * Why a journal entry is not something its remediation could have written
 * (null: it is). The state dir is root's alone, so this is the second line:
 * a journal that somehow holds other steps is refused, entry by entry.
 */
export function entryProblem(e: JournalEntry, metaOf: (id: string) => RemediationMeta | undefined): string | null {
  const meta = metaOf(e.remediation);
  if (!meta) return `${e.remediation}: no such remediation`;
  const step = e.step;
  if (!allows(meta, step)) return `${e.remediation} never plans this step (${step.op}${'path' in step ? ` ${step.path}` : ''})`;
  const b = e.before;
  if (b.kind === 'paths') {
    const ok = allowedSnapshots(step);
    const bad = b.snapshots.find((s) => !ok(path.posix.normalize(s.path)));
    if (bad) return `its before-state names ${bad.path}, which ${step.op} does not touch`;
  }
  if (b.kind === 'quarantine' && (step.op !== 'quarantine' || path.posix.normalize(b.source.path) !== path.posix.normalize(step.path))) return 'its quarantined file is not the step\'s';
  return null;
}
