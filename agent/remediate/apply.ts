import type { Host } from '../host/index.js';
import { Journal, newRunId, type JournalEntry } from './journal.js';
import { capture, execute, NotReversible, recordAfter, StepSkipped, undo } from './steps.js';
import type { Plan } from './types.js';

export interface StepResult {
  remediation: string;
  subject: string;
  step: JournalEntry['step'];
  state: JournalEntry['state'];
  note?: string;
}

export interface ApplyResult {
  runId: string;
  journalDir: string;
  status: 'applied' | 'failed';
  steps: StepResult[];
  /** Set when a step failed: what failed, and that the run's steps were undone. */
  error?: string;
}

/**
 * Applies the plans in order, journaling each step's before-state first. A
 * step that fails undoes every step of this run already applied, newest
 * first, and the run ends `failed`.
 */
export async function applyPlans(host: Host, plans: Plan[], stateDir: string, runId = newRunId()): Promise<ApplyResult> {
  const j = await Journal.create(stateDir, runId, host.root);
  let error: string | undefined;
  outer: for (const plan of plans) {
    for (const step of plan.steps) {
      let entry: JournalEntry | undefined;
      try {
        const before = await capture(host, step, j).catch(async (err: unknown) => {
          if (!(err instanceof StepSkipped)) throw err;
          entry = await j.add({ remediation: plan.remediation, subject: plan.subject, step, before: { kind: 'none' } });
          throw err;
        });
        entry = await j.add({ remediation: plan.remediation, subject: plan.subject, step, before });
        entry.note = await execute(host, step, j);
        entry.state = 'applied';
        await recordAfter(host, entry);
      } catch (err) {
        if (entry && err instanceof StepSkipped) {
          entry.state = 'skipped';
          entry.note = err.message;
        } else {
          error = `${plan.remediation} ${plan.subject}: ${(err as Error).message}`;
          if (entry) entry.note = (err as Error).message;
          break outer;
        }
      } finally {
        await j.save();
      }
    }
  }
  if (error) {
    const { undone, failed } = await undoEntries(host, j);
    j.doc.status = 'failed';
    j.doc.message = `${error}; ${undone} step(s) of this run undone`;
    if (failed.length > 0) {
      j.doc.message += `; undoing ${failed.map((f) => `${f.entry.remediation} ${f.entry.subject} (${f.error})`).join(', ')} failed as well: the journal keeps the before-state, run \`runnerguard rollback ${runId}\` once the cause is fixed`;
    }
    await j.save();
    return { runId, journalDir: j.dir, status: 'failed', steps: results(j), error: j.doc.message };
  }
  j.doc.status = 'applied';
  await j.save();
  return { runId, journalDir: j.dir, status: 'applied', steps: results(j) };
}

function results(j: Journal): StepResult[] {
  return j.doc.entries.map((e) => ({ remediation: e.remediation, subject: e.subject, step: e.step, state: e.state, note: e.note }));
}

/**
 * Undoes the journal's applied (and pending: a crash may have run them)
 * entries newest first; reload commands run last, once the files are back.
 */
export async function undoEntries(host: Host, j: Journal, leave: ReadonlySet<JournalEntry> = new Set()): Promise<{ undone: number; failed: Array<{ entry: JournalEntry; error: string }> }> {
  const todo = j.doc.entries.filter((e) => (e.state === 'applied' || e.state === 'pending') && !leave.has(e)).reverse();
  const reloads = todo.filter((e) => e.step.op === 'reload');
  let undone = 0;
  const failed: Array<{ entry: JournalEntry; error: string }> = [];
  // One entry that cannot be undone (a read-only path, a command gone) does not stop
  // the others: it keeps its state, so a later rollback of this run tries it again.
  for (const e of [...todo.filter((x) => x.step.op !== 'reload'), ...reloads]) {
    try {
      const note = await undo(host, e, j);
      e.state = 'undone';
      if (note) e.note = note;
      undone++;
    } catch (err) {
      const error = (err as Error).message;
      if (err instanceof NotReversible) {
        // Said as it is, never counted as undone, and not retried by the next rollback.
        e.state = 'irreversible';
        e.note = error;
        await j.save();
        continue;
      }
      e.note = `undo failed: ${error}`;
      failed.push({ entry: e, error });
    }
    await j.save();
  }
  return { undone, failed };
}
