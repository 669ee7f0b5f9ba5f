import { applyPatch, createPatch } from 'diff';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Host } from '../host/index.js';
import { runCommand } from '../host/exec.js';
import { OwnerError } from '../host/as-owner.js';
import { readRegularFile } from '../host/tree-fs.js';
import { lstatAt, pinOf, SafePathError, samePin, type Actor, type Located } from '../host/safe-path.js';
import { chmodAt, chownAt, readPinned, symlinkAt, unlinkAt, writeAt } from '../host/target-ops.js';
import { atomicWrite } from '../util/atomic-write.js';
import type { Before, Journal, JournalEntry } from './journal.js';
import { hashOf, makeParents, missingParents, restore, sha256, snapshot, withTarget, type Snapshot } from './target-fs.js';
import { removeTreeGuarded } from './tree-guard.js';
import type { Step } from './types.js';

const CMD_TIMEOUT_MS = 30_000;

/** A step that cannot go ahead; the run's applied steps are undone. */
export class StepError extends Error {
  override name = 'StepError';
}

/** A step the engine leaves out without failing the run (a job dir that changed since the plan). */
export class StepSkipped extends Error {
  override name = 'StepSkipped';
}

export async function cmd(argv: string[], input?: string): Promise<string> {
  const r = await runCommand(argv, { timeoutMs: CMD_TIMEOUT_MS, input });
  if (r.failure || r.exitCode !== 0) {
    const why = r.message ?? (r.stderr.trim().split('\n').slice(0, 3).join(' / ') || `exit ${r.exitCode}`);
    throw new StepError(`${argv.join(' ')}: ${why}`);
  }
  return r.stdout;
}

// gpasswd rewrites the backups (group-, gshadow-) too, and creates its lock file when missing.
const GROUP_FILES = ['/etc/group', '/etc/gshadow', '/etc/group-', '/etc/gshadow-'];
const PWD_LOCK = '/etc/.pwd.lock';

function pathsOf(step: Step): string[] {
  switch (step.op) {
    case 'chmod':
    case 'chown':
    case 'writeFile':
    case 'editFile':
      return [step.path];
    case 'groupRemove':
      return GROUP_FILES;
    case 'reload':
      return step.writes ?? [];
    default:
      return [];
  }
}

/**
 * The `nft -f` script that puts `text` in place of the table, whether it exists or not: declaring,
 * deleting and re-adding in one file is one transaction, with no moment without the table.
 */
export function nftReplaceScript(family: string, table: string, text: string): string {
  return `table ${family} ${table}\ndelete table ${family} ${table}\n${text}`;
}

async function nftTableText(family: string, table: string): Promise<string | null> {
  const r = await runCommand(['nft', 'list', 'table', family, table], { timeoutMs: CMD_TIMEOUT_MS });
  return r.exitCode === 0 ? r.stdout : null;
}

/** Records what the step will change, before it changes it. */
export async function capture(host: Host, step: Step, j: Journal): Promise<Before> {
  try {
    return await captureOf(host, step, j);
  } catch (err) {
    // Its target is behind a link a job made, or changed since the plan: this step is left out, as at apply.
    if (err instanceof SafePathError && (err.code === 'ECHANGED' || err.code === 'ELINK')) throw new StepSkipped(err.message);
    throw err;
  }
}

async function captureOf(host: Host, step: Step, j: Journal): Promise<Before> {
  if (step.op === 'quarantine') {
    return { kind: 'quarantine', source: await snapshot(host, step.path, j), stored: path.join(j.quarantineDir, step.path) };
  }
  if (step.op === 'nftTable') {
    const text = host.live ? await nftTableText(step.family, step.table) : null;
    return { kind: 'nft', existed: text !== null, text: text ?? undefined };
  }
  if (step.op === 'serviceEnable' && host.live) {
    const q = async (verb: string) => (await runCommand(['systemctl', verb, step.unit], { timeoutMs: CMD_TIMEOUT_MS })).stdout.trim();
    return { kind: 'service', enabled: (await q('is-enabled')) === 'enabled', active: (await q('is-active')) === 'active', links: [] };
  }
  const targets = step.op === 'serviceEnable' ? [wantsLink(step)] : pathsOf(step);
  // An existing lock file is left alone (another tool may hold it); one gpasswd creates goes on rollback.
  if (step.op === 'groupRemove' && (await host.fs.lstat(PWD_LOCK)) === null) targets.push(PWD_LOCK);
  if (targets.length === 0) return { kind: 'none' };
  const snapshots: Snapshot[] = [];
  for (const t of targets) {
    for (const dir of step.op === 'writeFile' || step.op === 'serviceEnable' ? await missingParents(host, t) : []) snapshots.push({ path: dir, exists: false });
    snapshots.push(await snapshot(host, t, j));
  }
  return { kind: 'paths', snapshots };
}

function wantsLink(step: Extract<Step, { op: 'serviceEnable' }>): string {
  return `/etc/systemd/system/${step.wantedBy}.wants/${step.unit}`;
}

/** A target that is not what the plan saw, or that only a link a job could swap leads to, is skipped, not failed. */
async function onTarget<T>(host: Host, step: Step & { path: string; actAs?: Actor }, fn: (loc: Located) => Promise<T>): Promise<T> {
  try {
    return await withTarget(host, step.path, fn, step.actAs);
  } catch (err) {
    if (err instanceof SafePathError && (err.code === 'ECHANGED' || err.code === 'ELINK')) throw new StepSkipped(err.message);
    // What a quarantine, a deletion or a scrub was for is met when the file's directory went (an earlier step deleted the job dir).
    const goneOk = step.op === 'quarantine' || step.op === 'removeTree' || (step.op === 'editFile' && step.skipIfGone);
    if (goneOk && err instanceof SafePathError && err.code === 'ENOENT') throw new StepSkipped(`${step.path} is gone already`);
    // The owner (or the user a job-named location belongs to) may not change it: not theirs, so not ours either.
    if (err instanceof OwnerError && (err.code === 'EACCES' || err.code === 'EPERM')) throw new StepSkipped(`${err.message}: left alone`);
    throw err;
  }
}

/** Applies one step. Commands run on the live host only; offline, file steps land under the root. */
export async function execute(host: Host, step: Step, j: Journal): Promise<string | undefined> {
  switch (step.op) {
    case 'chmod':
      return onTarget(host, step, async (loc) => void (await chmodAt(loc, step.mode, step.pin)));
    case 'chown':
      return onTarget(host, step, async (loc) => void (await chownAt(loc, step.uid, step.gid, step.pin)));
    case 'writeFile':
      await makeParents(host, step.path);
      return withTarget(host, step.path, async (loc) => void (await writeAt(loc, step.content, { mode: step.mode, uid: step.uid, gid: step.gid })));
    case 'editFile':
      return onTarget(host, step, async (loc) => {
        const st = lstatAt(loc);
        // A scrub's purpose is met when the file went (a job dir deleted earlier in the run); any other edit needs its file.
        if (step.skipIfGone && !st) throw new StepSkipped(`${step.path} is gone already`);
        const { data, st: cur } = readPinned(loc, step.pin);
        const text = data.toString('utf8');
        // Several remediations may edit one file in a run: each edit is rebased, as `patch` would, on what the previous left.
        const next = text === step.before ? step.after : applyPatch(text, createPatch(step.path, step.before, step.after), { fuzzFactor: 0 });
        if (next === false) throw new StepError(`${step.path} changed since the plan was made; plan again`);
        await writeAt(loc, next, { mode: cur.mode & 0o7777, uid: cur.uid, gid: cur.gid });
        return undefined;
      });
    case 'quarantine':
      return onTarget(host, step, async (loc) => {
        const st = lstatAt(loc);
        if (!st) throw new StepSkipped(`${step.path} is gone already: nothing to move`);
        // Read through a held O_NOFOLLOW handle: a regular file, the planned inode, one name only.
        const { data, st: file } = readPinned(loc, step.pin ?? pinOf(st));
        if (file.nlink !== 1) throw new StepSkipped(`${step.path} has ${file.nlink} hard links: left alone`);
        const dst = path.join(j.quarantineDir, step.path);
        await j.ensureQuarantineDir(); // root's and root-controlled, never adopted
        await fsp.mkdir(path.dirname(dst), { recursive: true, mode: 0o700 });
        await fsp.chmod(j.quarantineDir, 0o700);
        await atomicWrite(dst, data, { mode: file.mode & 0o7777, uid: file.uid, gid: file.gid });
        // The copy stays only if the file really went (an owner may not be allowed to remove it).
        await unlinkAt(loc, pinOf(file)).catch(async (err: unknown) => {
          await fsp.rm(dst, { force: true });
          throw err;
        });
        return `moved to ${dst}`;
      });
    case 'groupRemove':
      await cmd(['gpasswd', ...(host.live ? [] : ['--root', host.root]), '--delete', step.user, step.group]);
      return;
    case 'nftTable':
      if (!host.live) throw new StepError('nftables tables are loaded on a live host only');
      await cmd(['nft', '-f', '-'], nftReplaceScript(step.family, step.table, step.text));
      return;
    case 'serviceEnable':
      if (host.live) {
        // Not `enable --now`: its first lines are enable's chatter ("Created symlink ..."), and a start that
        // failed would be reported as that. The step fails (and is undone) unless the unit really started.
        await cmd(['systemctl', 'enable', step.unit]);
        await startUnit(step.unit);
      } else {
        await makeParents(host, wantsLink(step));
        const to = await unitPath(host, step.unit);
        await withTarget(host, wantsLink(step), (loc) => symlinkAt(loc, to));
      }
      return;
    case 'validate':
    case 'reload':
      if (!host.live) return `not run on an offline root: ${step.argv.join(' ')}`;
      await cmd(step.argv);
      return;
    case 'removeTree':
      return onTarget(host, step, async (loc) => {
        const r = await removeTreeGuarded(step, loc, host.live);
        if ('skipped' in r) throw new StepSkipped(r.skipped);
        return r.note;
      });
  }
}

/** systemctl start; a failure says why in the unit's own words (its first log lines since), as far as the journal has them. */
async function startUnit(unit: string): Promise<void> {
  const since = `@${Math.floor(Date.now() / 1000)}`;
  const r = await runCommand(['systemctl', 'start', unit], { timeoutMs: CMD_TIMEOUT_MS });
  if (!r.failure && r.exitCode === 0) return;
  const why = r.message ?? (r.stderr.trim().split('\n')[0] || `exit ${r.exitCode}`);
  await runCommand(['journalctl', '--sync'], { timeoutMs: CMD_TIMEOUT_MS }); // what the unit logged before it failed is in
  const log = await runCommand(['journalctl', '--no-pager', '-q', '-o', 'cat', '--since', since, `_SYSTEMD_UNIT=${unit}`], { timeoutMs: CMD_TIMEOUT_MS });
  const lines = [...new Set(log.exitCode === 0 ? log.stdout.split('\n').map((l) => l.trim()).filter(Boolean) : [])].slice(0, 4);
  throw new StepError(`systemctl start ${unit}: ${why}${lines.length ? ` (its log: ${lines.join(' / ')})` : ''}`);
}

async function unitPath(host: Host, unit: string): Promise<string> {
  for (const dir of ['/etc/systemd/system', '/usr/lib/systemd/system', '/lib/systemd/system']) {
    if (await host.fs.exists(`${dir}/${unit}`)) return `${dir}/${unit}`;
  }
  return `/lib/systemd/system/${unit}`;
}

/** Puts back what the entry changed. */
export async function undo(host: Host, e: JournalEntry, j: Journal): Promise<string | undefined> {
  const b = e.before;
  const step = e.step;
  if (step.op === 'reload') return host.live ? undoReload(host, step, b, j) : undefined;
  if (b.kind === 'paths') {
    const after = b.after ?? {};
    const changedSince: string[] = [];
    for (const s of [...b.snapshots].reverse()) {
      const now = await hashOf(host, s.path);
      if (s.path in after && after[s.path] !== now) changedSince.push(s.path);
      if (step.op === 'groupRemove' && changedSince.length) {
        // Someone edited the group files since: add the member back instead of overwriting their change.
        await cmd(['gpasswd', ...(host.live ? [] : ['--root', host.root]), '--add', step.user, step.group]);
        return `re-added ${step.user} to ${step.group} (the group files changed since)`;
      }
      await restore(host, s, j);
    }
    return changedSince.length ? `restored ${changedSince.join(', ')}, which had changed since the fix (that version is gone)` : undefined;
  }
  if (b.kind === 'quarantine') return unquarantine(host, b, j);
  if (b.kind === 'nft' && step.op === 'nftTable') {
    const decl = `table ${step.family} ${step.table}\ndelete table ${step.family} ${step.table}\n`;
    await cmd(['nft', '-f', '-'], b.existed && b.text ? `${decl}${b.text}` : decl);
    return b.existed ? 'previous table restored' : `table ${step.family} ${step.table} deleted`;
  }
  if (b.kind === 'service' && step.op === 'serviceEnable') {
    if (!b.active) await cmd(['systemctl', 'stop', step.unit]);
    if (!b.enabled) await cmd(['systemctl', 'disable', step.unit]);
    return;
  }
  if (step.op === 'removeTree') {
    // A run that failed at this step may not have deleted anything: say which.
    const still = await withTarget(host, step.path, (loc) => {
      const st = lstatAt(loc);
      return st !== null && step.pin !== undefined && samePin(st, step.pin);
    }).catch(() => false);
    if (still) return `${step.path} was not deleted`;
    throw new NotReversible(`${step.path} was deleted: not reversible`);
  }
  return undefined;
}

/** An applied step that no rollback can put back (a deleted job dir): never reported as undone. */
export class NotReversible extends Error {
  override name = 'NotReversible';
}

/**
 * Writes the quarantined file back, into its directory as it is now, with
 * the privileges of whoever controls that directory, and only where nothing
 * is at that name again. The stored copy goes once the file is back.
 */
async function unquarantine(host: Host, b: Extract<Before, { kind: 'quarantine' }>, j: Journal): Promise<string> {
  const src = b.source;
  if (!src.exists) return 'nothing was moved';
  if (src.kind !== 'file') throw new StepError(`${src.path}: the journal holds no file to put back`);
  if (path.relative(j.quarantineDir, b.stored).startsWith('..') || path.isAbsolute(path.relative(j.quarantineDir, b.stored))) {
    throw new StepError(`${b.stored} is not in this run's quarantine: not read`);
  }
  const data = await readRegularFile(b.stored, b.stored, 16 * 1024 * 1024);
  if (sha256(data) !== src.sha256) throw new StepError(`${b.stored} is not the file quarantined from ${src.path}: left alone`);
  await withTarget(host, src.path, (loc) => writeAt(loc, data, { mode: src.mode, uid: src.uid, gid: src.gid, exclusive: true }));
  await fsp.rm(b.stored, { force: true });
  return `moved back to ${src.path}`;
}

/**
 * The files are back: make the daemon read them again, or run the step's own
 * undo commands (best effort: a failed apply may have loaded only part), then
 * put back the files the command rewrote unless someone changed them since.
 */
async function undoReload(host: Host, step: Extract<Step, { op: 'reload' }>, b: Before, j: Journal): Promise<string> {
  const notes: string[] = [];
  if (!step.undo) {
    await cmd(step.argv);
    notes.push('re-run after restoring files');
  } else {
    for (const argv of step.undo) await cmd(argv).then(() => notes.push(`ran ${argv.join(' ')}`), (err: Error) => notes.push(err.message));
  }
  if (b.kind === 'paths') {
    for (const s of [...b.snapshots].reverse()) {
      const now = await hashOf(host, s.path);
      if (b.after && s.path in b.after && b.after[s.path] !== now) notes.push(`${s.path} changed since: left as it is`);
      else await restore(host, s, j);
    }
  }
  return notes.join('; ');
}

/** After a paths step ran: the hashes it left, so a rollback can tell later edits apart. */
export async function recordAfter(host: Host, e: JournalEntry): Promise<void> {
  if (e.before.kind !== 'paths') return;
  const after: Record<string, string | null> = {};
  for (const s of e.before.snapshots) after[s.path] = await hashOf(host, s.path);
  e.before.after = after;
}
