import type { Host } from '../host/index.js';
import { undoEntries } from './apply.js';
import { entryProblem } from './journal-check.js';
import { Journal, type JournalEntry } from './journal.js';
import { definedMeta } from './types.js';

export class NothingToRollBack extends Error {
  override name = 'NothingToRollBack';
}

/** The newest run that is not rolled back yet. */
export async function latestRun(stateDir: string): Promise<string> {
  const ids = await Journal.list(stateDir);
  for (const id of ids.reverse()) {
    const j = await Journal.open(stateDir, id);
    // A failed run whose undo failed too still has applied steps to roll back.
    if (j.doc.status === 'applied' || j.doc.status === 'applying' || j.doc.entries.some((e) => e.state === 'applied' || e.state === 'pending')) return id;
  }
  throw new NothingToRollBack(`no applied remediation run in ${Journal.root(stateDir)}`);
}

/** Undoes one run, newest step first: files byte-identical with mode and owner, groups, tables, quarantined files back. */
export async function rollbackRun(host: Host, stateDir: string, runId?: string): Promise<{ runId: string; entries: JournalEntry[]; failed: Array<{ entry: JournalEntry; error: string }> }> {
  const id = runId ?? (await latestRun(stateDir));
  const j = await Journal.open(stateDir, id).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') throw new NothingToRollBack(`no remediation run ${id} in ${Journal.root(stateDir)}`);
    throw err;
  });
  if (j.doc.status === 'rolled-back') throw new NothingToRollBack(`run ${id} is rolled back already`);
  if (j.doc.root !== host.root) throw new NothingToRollBack(`run ${id} changed ${j.doc.root}, not ${host.root}: pass --root ${j.doc.root}`);
  // A journal is data: an entry its remediation could not have written is refused, not acted on.
  const refused: Array<{ entry: JournalEntry; error: string }> = [];
  for (const e of j.doc.entries) {
    if (e.state !== 'applied' && e.state !== 'pending') continue;
    const why = entryProblem(e, definedMeta);
    if (why) refused.push({ entry: e, error: `journal entry ${e.seq} refused: ${why}` });
  }
  const { failed } = await undoEntries(host, j, new Set(refused.map((r) => r.entry)));
  failed.unshift(...refused);
  // Not marked rolled back while a step could not be undone: rolling back again retries those.
  if (failed.length === 0) j.doc.status = 'rolled-back';
  await j.save();
  return { runId: id, entries: j.doc.entries, failed };
}
