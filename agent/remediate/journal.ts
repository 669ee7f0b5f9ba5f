import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { ensureRootDir, readRootFile, rootControlled, TrustError } from '../host/trust.js';
import { atomicWrite } from '../util/atomic-write.js';
import { sha256, type BlobStore, type Snapshot } from './target-fs.js';
import type { Step } from './types.js';

/** What an entry needs to be undone. */
export type Before =
  | { kind: 'paths'; snapshots: Snapshot[]; after?: Record<string, string | null> }
  | { kind: 'quarantine'; source: Snapshot; stored: string }
  | { kind: 'nft'; existed: boolean; text?: string }
  | { kind: 'service'; enabled: boolean; active: boolean; links: Snapshot[] }
  | { kind: 'none' };

export interface JournalEntry {
  seq: number;
  remediation: string;
  subject: string;
  step: Step;
  before: Before;
  /**
   * pending: before-state recorded, the step may or may not have run (a crash).
   * irreversible: applied, and no rollback can put it back (a deleted job dir).
   */
  state: 'pending' | 'applied' | 'skipped' | 'undone' | 'irreversible';
  note?: string;
}

export interface JournalDoc {
  schema: 'runnerguard/journal@1';
  runId: string;
  root: string;
  startedAt: string;
  status: 'applying' | 'applied' | 'failed' | 'rolled-back';
  entries: JournalEntry[];
  message?: string;
}

/** What newRunId makes: a run id names a directory, so nothing else (no `/`, no `..`) is taken for one. */
export const RUN_ID = /^\d{8}T\d{6}Z-[0-9a-f]+$/;
const BLOB = /^[0-9a-f]{64}$/;
/** Bounds on one read: a journal of many edits, one snapshot blob. */
const MAX_JOURNAL_BYTES = 64 * 1024 * 1024;
const MAX_BLOB_BYTES = 64 * 1024 * 1024;

/** Sortable and unique: 20261122T210455Z-1a2b3c. */
export function newRunId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
}

/**
 * <state_dir>/journal/<run-id>/journal.json plus blobs/<sha256>: the before
 * state of every step, written (atomically) before the step runs, so a run
 * killed half way can still be rolled back. A rollback acts as root on what
 * the journal says: it is read only from root-controlled dirs and files
 * (agent/host/trust.ts), never from a journal someone else could have written.
 */
export class Journal implements BlobStore {
  readonly dir: string;
  doc: JournalDoc;

  private constructor(dir: string, doc: JournalDoc) {
    this.dir = dir;
    this.doc = doc;
  }

  static root(stateDir: string): string {
    return path.join(stateDir, 'journal');
  }

  static async create(stateDir: string, runId: string, targetRoot: string): Promise<Journal> {
    if (!RUN_ID.test(runId)) throw new Error(`not a run id: ${JSON.stringify(runId)}`);
    await ensureRootDir(stateDir, 'state_dir');
    await ensureRootDir(Journal.root(stateDir), 'journal');
    // Root's own dir (checked above): tightened, as it will hold the blobs of secrets.
    await fsp.chmod(Journal.root(stateDir), 0o700);
    const dir = path.join(Journal.root(stateDir), runId);
    await ensureRootDir(path.join(dir, 'blobs'), 'journal');
    const j = new Journal(dir, { schema: 'runnerguard/journal@1', runId, root: targetRoot, startedAt: new Date().toISOString(), status: 'applying', entries: [] });
    await j.save();
    return j;
  }

  /** A TrustError unless the journal and every dir above it are root-controlled; ENOENT (a NodeJS error) when absent. */
  static async open(stateDir: string, runId: string): Promise<Journal> {
    if (!RUN_ID.test(runId)) throw Object.assign(new Error(`not a run id: ${JSON.stringify(runId)}`), { code: 'ENOENT' });
    const dir = path.join(Journal.root(stateDir), runId);
    const data = await readRootFile(path.join(dir, 'journal.json'), 'journal', { maxBytes: MAX_JOURNAL_BYTES }).catch((err: unknown) => {
      if (err instanceof TrustError && err.code === 'ENOENT') throw Object.assign(new Error(err.message), { code: 'ENOENT' });
      throw err;
    });
    const doc = JSON.parse(data.toString('utf8')) as JournalDoc;
    if (doc.schema !== 'runnerguard/journal@1') throw new Error(`${dir}/journal.json: not a runnerguard journal`);
    return new Journal(dir, doc);
  }

  /** Run ids, oldest first. */
  static async list(stateDir: string): Promise<string[]> {
    const t = await rootControlled(Journal.root(stateDir));
    if (!t.ok && !t.missing) throw new TrustError('EUNTRUSTED', Journal.root(stateDir), 'journal', t.reason);
    const names = t.ok ? await fsp.readdir(t.real).catch(() => [] as string[]) : [];
    return names.filter((n) => RUN_ID.test(n)).sort();
  }

  get quarantineDir(): string {
    return path.join(path.dirname(path.dirname(this.dir)), 'quarantine', this.doc.runId);
  }

  /** The quarantine store of this run, made root-only where missing; refused (TrustError) when not root-controlled. */
  async ensureQuarantineDir(): Promise<string> {
    await ensureRootDir(path.dirname(this.quarantineDir), 'quarantine');
    return ensureRootDir(this.quarantineDir, 'quarantine');
  }

  async save(): Promise<void> {
    await atomicWrite(path.join(this.dir, 'journal.json'), `${JSON.stringify(this.doc, null, 2)}\n`, { mode: 0o600 });
  }

  async add(e: Omit<JournalEntry, 'seq' | 'state'>): Promise<JournalEntry> {
    // An edit that removes a secret keeps only its masked texts here: undo needs the snapshots (blobs, 0600), not these.
    // A file written for a secret (an agent secret file) is named here, never its content.
    const step =
      e.step.op === 'editFile' && e.step.redacted
        ? { ...e.step, ...e.step.redacted }
        : e.step.op === 'writeFile' && e.step.secret
          ? { ...e.step, content: `(${e.step.shownAs ?? 'secret content, not kept'})` }
          : e.step;
    const entry: JournalEntry = { ...e, step, seq: this.doc.entries.length + 1, state: 'pending' };
    this.doc.entries.push(entry);
    await this.save();
    return entry;
  }

  async put(data: Buffer): Promise<string> {
    const hash = sha256(data);
    const file = path.join(this.dir, 'blobs', hash);
    if ((await fsp.lstat(file).catch(() => null)) === null) await atomicWrite(file, data, { mode: 0o600 });
    return hash;
  }

  async get(hash: string): Promise<Buffer> {
    if (!BLOB.test(hash)) throw new Error(`not a journal blob: ${JSON.stringify(hash)}`);
    const data = await readRootFile(path.join(this.dir, 'blobs', hash), 'journal blob', { maxBytes: MAX_BLOB_BYTES });
    if (sha256(data) !== hash) throw new Error(`journal blob ${hash} is corrupt`);
    return data;
  }
}
