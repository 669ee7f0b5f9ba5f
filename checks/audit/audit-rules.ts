import path from 'node:path';
import { describeCode, isHostError, type Host, type HostFs } from '../../agent/host/index.js';
import { loadUnit, splitCommandLine, unitValues, type Unit } from '../../agent/facts/systemd.js';
import { isWithin, resolveParent } from '../../agent/util/target-path.js';
import { lsVersionCompare } from './ls-version-order.js';

export const AUDITD_BINARIES = ['/sbin/auditd', '/usr/sbin/auditd'];
export const RULES_DIR = '/etc/audit/rules.d';
export const AUDIT_RULES = '/etc/audit/audit.rules';

/** The auditd binary on the target, if installed. */
export async function auditdBinary(fs: HostFs): Promise<string | undefined> {
  for (const b of AUDITD_BINARIES) if ((await fs.stat(b).catch(() => null))?.kind === 'file') return b;
  return undefined;
}

/** A rule that makes the kernel log access to a path. */
export interface Watch {
  path: string;
  /** -w and -F dir= watch the whole subtree; -F path= only that inode. */
  recursive: boolean;
  key?: string;
  rule: string;
  where: string;
}

/** An unreadable rules file or a line auditctl would reject; names the file (and line). */
export class RulesError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message);
  }
}

// auditctl options that take no argument; every other one takes the next word.
const FLAGS = new Set(['-D', '-i', '-l', '-s', '-c', '-v', '-h', '--reset-lost', '--loginuid-immutable']);

function options(line: string): Array<[string, string]> {
  const words = line.split(/\s+/);
  const out: Array<[string, string]> = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (FLAGS.has(w) || w.startsWith('--')) out.push([w, FLAGS.has(w) || words[i + 1]?.startsWith('-') ? '' : (words[++i] ?? '')]);
    else if (/^-[a-zA-Z]$/.test(w)) out.push([w, words[++i] ?? '']);
    else if (/^-[a-zA-Z]./.test(w)) out.push([w.slice(0, 2), w.slice(2)]); // getopt: -w/etc/docker
    else return [['?', w]];
  }
  return out;
}

/**
 * Applies one rules text (a rules file, or `auditctl -l` output) on top of
 * `watches`, in order: -D flushes (all, or one -k key), -W/-d remove, -w and
 * `-a always,exit` rules with -F path=/dir= add. `augenrules` hoists a bare
 * -D to the top of the merged file, so there it flushes nothing that follows.
 */
export function applyRules(text: string, where: string, watches: Watch[], opts: { hoistFlush?: boolean } = {}): Watch[] {
  let out = [...watches];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line === 'No rules') return;
    const at = where.startsWith('/') ? `${where}:${i + 1}` : where;
    const opt = options(line);
    if (opt[0]?.[0] === '?') throw new RulesError(where, `${where}:${i + 1}: not an auditctl rule: ${line.slice(0, 60)}`);
    const get = (o: string) => opt.find(([k]) => k === o)?.[1];
    const fields = opt.filter(([k]) => k === '-F').map(([, v]) => v);
    const key = get('-k') ?? fields.find((f) => f.startsWith('key='))?.slice(4);
    if (get('-D') !== undefined) {
      if (key !== undefined) out = out.filter((w) => w.key !== key);
      else if (!opts.hoistFlush) out = [];
      return;
    }
    const w = get('-w');
    const del = get('-W');
    if (w !== undefined || del !== undefined) {
      if (!(w ?? del)) throw new RulesError(where, `${at}: ${w !== undefined ? '-w' : '-W'} without a path`);
      if (del) out = out.filter((x) => !(x.rule.startsWith('-w') && x.path === del));
      else out.push({ path: w!, recursive: true, key, rule: line, where: at });
      return;
    }
    const list = get('-a') ?? get('-A') ?? get('-d');
    if (list === undefined) return; // -b, -e, -f, -r, --backlog_wait_time ...: no watch
    const parts = list.split(',');
    // A `never` rule suppresses logging; only exit-list `always` rules watch.
    if (!parts.includes('always') || !parts.includes('exit')) return;
    for (const f of fields) {
      const m = /^(path|dir)=(.+)$/.exec(f);
      if (!m) continue;
      const watch = { path: m[2]!, recursive: m[1] === 'dir', key, rule: line, where: at };
      if (get('-d') !== undefined) out = out.filter((x) => !(x.path === watch.path && x.recursive === watch.recursive && !x.rule.startsWith('-w')));
      else out.push(watch);
    }
  });
  return out;
}

async function readRules(fs: HostFs, file: string): Promise<string> {
  let text: string;
  try {
    text = await fs.readText(file, { maxBytes: 4 * 1024 * 1024 });
  } catch (err) {
    throw new RulesError(file, `${file}: ${isHostError(err) ? describeCode(err.code) : String(err)}`);
  }
  if (/[\u0000\ufffd]/.test(text)) throw new RulesError(file, `${file}: binary data, not audit rules`);
  return text;
}

/**
 * Which file(s) auditd loads at boot: the unit's `auditctl -R FILE` when it
 * does not use augenrules, else what augenrules merges (rules.d/*.rules in
 * `ls -v` order), else audit.rules when there is no rules.d.
 */
async function ruleFiles(fs: HostFs): Promise<{ files: string[]; merged: boolean; unit: Unit | null }> {
  const unit = await loadUnit(fs, 'auditd.service').catch(() => null);
  const posts = unit ? unitValues(unit, 'Service', 'ExecStartPost').map(splitCommandLine) : [];
  const direct = posts.find((a) => path.posix.basename(a[0] ?? '') === 'auditctl' && a.includes('-R'));
  if (direct && !posts.some((a) => path.posix.basename(a[0] ?? '') === 'augenrules')) {
    return { files: [direct[direct.indexOf('-R') + 1] ?? AUDIT_RULES], merged: false, unit };
  }
  let entries;
  try {
    entries = await fs.readdir(RULES_DIR);
  } catch (err) {
    if (isHostError(err, 'ENOENT')) return { files: [AUDIT_RULES], merged: false, unit };
    throw new RulesError(RULES_DIR, `${RULES_DIR}: ${isHostError(err) ? describeCode(err.code) : String(err)}`);
  }
  const names = entries.map((e) => e.name).filter((n) => n.endsWith('.rules'));
  names.sort(lsVersionCompare);
  return { files: names.map((n) => `${RULES_DIR}/${n}`), merged: true, unit };
}

export interface RuleSet {
  watches: Watch[];
  /** Where the rules came from, for evidence. */
  source: string;
  /** The auditd unit that chose the files (read from files only): its doubts are the verdict's. */
  unit?: Unit | null;
}

/** The rules auditd will load at the next boot, from the files. */
export async function persistedRules(fs: HostFs): Promise<RuleSet> {
  const { files, merged, unit } = await ruleFiles(fs);
  let watches: Watch[] = [];
  const read: string[] = [];
  for (const f of files) {
    if (!merged && !(await fs.exists(f))) continue;
    watches = applyRules(await readRules(fs, f), f, watches, { hoistFlush: merged });
    read.push(f);
  }
  return { watches, source: read.length ? read.join(', ') : `no rules files (${merged ? `${RULES_DIR}/*.rules` : files.join(', ')})`, unit };
}

/** The rules in the running kernel. */
export async function liveRules(host: Host): Promise<RuleSet> {
  const r = await host.exec(['auditctl', '-l'], { timeoutMs: 10_000 });
  if (r.failure || r.exitCode !== 0) {
    throw new RulesError('auditctl -l', `auditctl -l failed: ${r.message ?? (r.stderr.trim().split('\n')[0] || `exit status ${r.exitCode}`)}`);
  }
  return { watches: applyRules(r.stdout, 'auditctl -l', []), source: 'auditctl -l (the running kernel)' };
}

/** The first watch covering `target`: same path, or a recursive watch on a parent; compared as the kernel anchors them. */
export async function watchFor(fs: HostFs, target: string, watches: Watch[]): Promise<Watch | undefined> {
  const t = await resolveParent(fs, target);
  for (const w of watches) {
    const p = await resolveParent(fs, w.path);
    if (p === t || (w.recursive && isWithin(t, p))) return w;
  }
  return undefined;
}
