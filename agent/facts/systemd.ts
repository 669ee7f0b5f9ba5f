import { HostError, type HostFs } from '../host/index.js';
import { collectDropIns } from './drop-ins.js';
import { readUnitText, type UnitIssue } from './unit-read.js';

export type { UnitIssue };

/**
 * The system manager's unit search path, highest precedence first, as
 * `systemd-analyze unit-paths` prints it on Debian 12 (systemd 252; see
 * systemd.unit(5) "Unit File Load Path"). /lib comes before /usr/lib: on
 * split /usr, Debian's packages install there; on merged /usr they are one dir.
 * Drop-ins are read from the `.d` dirs of every one of these.
 */
export const UNIT_DIRS: readonly string[] = [
  '/etc/systemd/system.control',
  '/run/systemd/system.control',
  '/run/systemd/transient',
  '/run/systemd/generator.early',
  '/etc/systemd/system',
  '/etc/systemd/system.attached',
  '/run/systemd/system',
  '/run/systemd/system.attached',
  '/run/systemd/generator',
  '/usr/local/lib/systemd/system',
  '/lib/systemd/system',
  '/usr/lib/systemd/system',
  '/run/systemd/generator.late',
];

export interface Unit {
  name: string;
  /** The main unit file (target path). */
  path: string;
  /** The drop-ins read and applied, in systemd's order (one linked to /dev/null or empty is listed and adds nothing). */
  dropIns: string[];
  /**
   * Files systemd applies to this unit that the facts could not read, or
   * that a user other than root can rewrite: no check may pass on a unit
   * that has any (see checks/unit-doubt.ts). Absent on user units.
   */
  issues?: UnitIssue[];
  /** section -> key -> values in order; an empty assignment resets the list. */
  sections: Map<string, Map<string, string[]>>;
}

/** Parses unit-file syntax: sections, comments, backslash continuations. */
export function parseUnitText(text: string, into = new Map<string, Map<string, string[]>>()): Map<string, Map<string, string[]>> {
  let section = '';
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.trim();
    while (line.endsWith('\\') && i + 1 < lines.length) line = line.slice(0, -1) + ' ' + lines[++i]!.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const sec = /^\[([^\]]+)\]$/.exec(line);
    if (sec) {
      section = sec[1]!;
      if (!into.has(section)) into.set(section, new Map());
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0 || !section) continue;
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    const keys = into.get(section)!;
    if (value === '') keys.set(key, []);
    else keys.set(key, [...(keys.get(key) ?? []), value]);
  }
  return into;
}

export function unitValue(unit: Unit, section: string, key: string): string | undefined {
  return unit.sections.get(section)?.get(key)?.at(-1);
}

export function unitValues(unit: Unit, section: string, key: string): string[] {
  return unit.sections.get(section)?.get(key) ?? [];
}

/**
 * Splits a command line the way systemd does: whitespace-separated words,
 * single/double quotes, backslash escapes.
 */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === '\\' && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else if (quote) {
      if (ch === quote) quote = null;
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

/** An ExecStart= line as argv: split, with the `-@:+!` prefixes of the executable dropped. */
export function splitExecStart(line: string): string[] {
  const words = splitCommandLine(line);
  if (words[0]) words[0] = words[0].replace(/^[-@:+!]+/, '');
  return words;
}

/**
 * Finds and parses a unit with its drop-ins, as systemd loads it: the first
 * unit dir holding the name (an instance foo@bar.service falls back to its
 * template foo@.service), then every drop-in systemd applies (drop-ins.ts).
 * Null when there is no such unit, or it is masked (a link to /dev/null, or
 * empty). A unit file that cannot be read throws.
 */
export async function loadUnit(fs: HostFs, name: string): Promise<Unit | null> {
  const at = name.indexOf('@');
  const template = at >= 0 && !name.slice(at + 1).startsWith('.') ? `${name.slice(0, at + 1)}${name.slice(name.lastIndexOf('.'))}` : null;
  for (const file of template ? [name, template] : [name]) {
    // Every dir probed at once (a scan of all units pays this per unit); then read in precedence order.
    const paths = UNIT_DIRS.map((dir) => `${dir}/${file}`);
    const there = await Promise.all(paths.map((p) => fs.lstat(p).then((st) => st !== null, () => true)));
    for (const path of paths.filter((_p, i) => there[i])) {
      const r = await readUnitText(fs, path);
      if (r === null) continue;
      if ('unread' in r) throw new HostError(r.code ?? 'EIO', path, r.unread);
      if ('masked' in r) return null;
      const sections = parseUnitText(r.text);
      const found = await collectDropIns(fs, UNIT_DIRS, name);
      for (const d of found.applied) if (d.text !== null) parseUnitText(d.text, sections);
      const issues = [...(r.untrusted ? [{ path, kind: 'untrusted' as const, reason: r.untrusted }] : []), ...found.issues];
      return { name, path, dropIns: found.applied.map((d) => d.path), issues, sections };
    }
  }
  return null;
}

/** Unit names in the search path matching a predicate (e.g. actions.runner.*.service). */
export async function findUnits(fs: HostFs, match: (name: string) => boolean): Promise<string[]> {
  const names = new Set<string>();
  for (const dir of UNIT_DIRS) {
    try {
      for (const e of await fs.readdir(dir)) if (match(e.name) && e.kind !== 'dir') names.add(e.name);
    } catch {
      /* missing dir */
    }
  }
  return [...names].sort();
}

/** Whether a unit is enabled offline: a link in some *.wants / *.requires dir. */
export async function isUnitEnabled(fs: HostFs, name: string): Promise<boolean> {
  for (const dir of ['/etc/systemd/system', '/usr/lib/systemd/system', '/lib/systemd/system']) {
    let entries;
    try {
      entries = await fs.readdir(dir);
    } catch {
      continue;
    }
    for (const e of entries) {
      if (e.kind !== 'dir' || !/\.(wants|requires)$/.test(e.name)) continue;
      if (await fs.lstat(`${dir}/${e.name}/${name}`).catch(() => null)) return true;
    }
  }
  return false;
}
