import type { HostFs } from '../host/index.js';
import { isHostError } from '../host/index.js';

/** Unit search path, highest precedence first (systemd.unit(5)). */
export const UNIT_DIRS = ['/etc/systemd/system', '/run/systemd/system', '/lib/systemd/system', '/usr/lib/systemd/system'];

export interface Unit {
  name: string;
  /** The main unit file (target path). */
  path: string;
  dropIns: string[];
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

async function readIfFile(fs: HostFs, p: string): Promise<string | null> {
  try {
    return await fs.readText(p, { maxBytes: 1024 * 1024 });
  } catch (err) {
    if (isHostError(err, 'ENOENT')) return null;
    throw err;
  }
}

async function listDropIns(fs: HostFs, name: string): Promise<string[]> {
  // Drop-ins from every unit dir apply; a same-named one in a higher-precedence dir wins.
  const byName = new Map<string, string>();
  for (const dir of [...UNIT_DIRS].reverse()) {
    const d = `${dir}/${name}.d`;
    try {
      for (const e of await fs.readdir(d)) if (e.name.endsWith('.conf')) byName.set(e.name, `${d}/${e.name}`);
    } catch {
      /* no drop-in dir */
    }
  }
  return [...byName.keys()].sort().map((k) => byName.get(k)!);
}

/** Finds and parses a unit with its drop-ins; null when no such unit. */
export async function loadUnit(fs: HostFs, name: string): Promise<Unit | null> {
  for (const dir of UNIT_DIRS) {
    const path = `${dir}/${name}`;
    const text = await readIfFile(fs, path);
    if (text === null) continue;
    const sections = parseUnitText(text);
    const dropIns = await listDropIns(fs, name);
    for (const d of dropIns) {
      const t = await readIfFile(fs, d);
      if (t !== null) parseUnitText(t, sections);
    }
    return { name, path, dropIns, sections };
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
