import { applyPatch, createPatch } from 'diff';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Host } from '../host/index.js';
import { runCommand } from '../host/exec.js';
import { atomicWrite } from '../util/atomic-write.js';
import type { Before, Journal, JournalEntry } from './journal.js';
import { missingParents, onHost, restore, sha256, snapshot, type Snapshot } from './target-fs.js';
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
  if (step.op === 'quarantine') {
    const src = await onHost(host, step.path);
    return { kind: 'quarantine', source: await snapshot(src, step.path, j), stored: path.join(j.quarantineDir, step.path) };
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
  const snapshots: Array<Snapshot & { host: string }> = [];
  for (const t of targets) {
    const real = await onHost(host, t);
    for (const dir of step.op === 'writeFile' || step.op === 'serviceEnable' ? await missingParents(real) : []) snapshots.push({ path: `/${path.relative(host.root, dir)}`, exists: false as const, host: dir });
    snapshots.push({ ...(await snapshot(real, t, j)), host: real });
  }
  return { kind: 'paths', snapshots };
}

function wantsLink(step: Extract<Step, { op: 'serviceEnable' }>): string {
  return `/etc/systemd/system/${step.wantedBy}.wants/${step.unit}`;
}

/** Applies one step. Commands run on the live host only; offline, file steps land under the root. */
export async function execute(host: Host, step: Step, j: Journal): Promise<string | undefined> {
  switch (step.op) {
    case 'chmod':
      await fsp.chmod(await onHost(host, step.path), step.mode);
      return;
    case 'chown': {
      const p = await onHost(host, step.path);
      const mode = (await fsp.stat(p)).mode & 0o7777;
      await fsp.chown(p, step.uid, step.gid);
      await fsp.chmod(p, mode);
      return;
    }
    case 'writeFile': {
      const p = await onHost(host, step.path);
      await fsp.mkdir(path.dirname(p), { recursive: true, mode: 0o755 });
      await atomicWrite(p, step.content, { mode: step.mode, uid: step.uid, gid: step.gid });
      return;
    }
    case 'editFile': {
      const p = await onHost(host, step.path);
      // A scrub's purpose is met when the file went (a job dir deleted earlier in the run); any other edit needs its file.
      if (step.skipIfGone && !(await fsp.lstat(p).catch(() => null))) throw new StepSkipped(`${step.path} is gone already`);
      const cur = await fsp.readFile(p, 'utf8');
      // Several remediations may edit one file in a run: each edit is rebased, as `patch` would, on what the previous left.
      const next = cur === step.before ? step.after : applyPatch(cur, createPatch(step.path, step.before, step.after), { fuzzFactor: 0 });
      if (next === false) throw new StepError(`${step.path} changed since the plan was made; plan again`);
      const st = await fsp.stat(p);
      await atomicWrite(p, next, { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid });
      return;
    }
    case 'quarantine': {
      const src = await onHost(host, step.path);
      if (!(await fsp.lstat(src).catch(() => null))) throw new StepSkipped(`${step.path} is gone already: nothing to move`);
      const dst = path.join(j.quarantineDir, step.path);
      await j.ensureQuarantineDir();
      await fsp.mkdir(path.dirname(dst), { recursive: true, mode: 0o700 });
      await fsp.chmod(j.quarantineDir, 0o700);
      await move(src, dst);
      return `moved to ${dst}`;
    }
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
        const link = await onHost(host, wantsLink(step));
        await fsp.mkdir(path.dirname(link), { recursive: true });
        await fsp.symlink(await unitPath(host, step.unit), link);
      }
      return;
    case 'validate':
    case 'reload':
      if (!host.live) return `not run on an offline root: ${step.argv.join(' ')}`;
      await cmd(step.argv);
      return;
    case 'removeTree': {
      const r = await removeTreeGuarded(step, await onHost(host, step.path), host.live);
      if ('skipped' in r) throw new StepSkipped(r.skipped);
      return r.note;
    }
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

/** rename, or copy + fsync + unlink across filesystems (the state dir may be elsewhere). */
export async function move(src: string, dst: string): Promise<void> {
  try {
    await fsp.rename(src, dst);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    await fsp.copyFile(src, dst);
    const st = await fsp.lstat(src);
    await fsp.chown(dst, st.uid, st.gid);
    await fsp.chmod(dst, st.mode & 0o7777);
    const h = await fsp.open(dst, 'r');
    await h.sync();
    await h.close();
    await fsp.rm(src);
  }
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
      const real = (s as { host?: string }).host ?? (await onHost(host, s.path));
      const now = await fsp.readFile(real).then(sha256, () => null);
      if (s.path in after && after[s.path] !== now) changedSince.push(s.path);
      if (step.op === 'groupRemove' && changedSince.length) {
        // Someone edited the group files since: add the member back instead of overwriting their change.
        await cmd(['gpasswd', ...(host.live ? [] : ['--root', host.root]), '--add', step.user, step.group]);
        return `re-added ${step.user} to ${step.group} (the group files changed since)`;
      }
      await restore(real, s, j);
    }
    return changedSince.length ? `restored ${changedSince.join(', ')}, which had changed since the fix (that version is gone)` : undefined;
  }
  if (b.kind === 'quarantine') {
    const src = await onHost(host, b.source.path);
    await fsp.mkdir(path.dirname(src), { recursive: true });
    await move(b.stored, src);
    if (b.source.exists) {
      await fsp.lchown(src, b.source.uid, b.source.gid);
      await fsp.chmod(src, b.source.mode);
    }
    return `moved back to ${b.source.path}`;
  }
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
  if (step.op === 'removeTree') return 'not reversible (deleted)';
  return undefined;
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
      const real = (s as { host?: string }).host ?? (await onHost(host, s.path));
      const now = await fsp.readFile(real).then(sha256, () => null);
      if (b.after && s.path in b.after && b.after[s.path] !== now) notes.push(`${s.path} changed since: left as it is`);
      else await restore(real, s, j);
    }
  }
  return notes.join('; ');
}

/** After a paths step ran: the hashes it left, so a rollback can tell later edits apart. */
export async function recordAfter(host: Host, e: JournalEntry): Promise<void> {
  if (e.before.kind !== 'paths') return;
  const after: Record<string, string | null> = {};
  for (const s of e.before.snapshots) {
    const real = (s as { host?: string }).host ?? (await onHost(host, s.path));
    after[s.path] = await fsp.readFile(real).then(sha256, () => null);
  }
  e.before.after = after;
}
