import TOML from '@iarna/toml';
import { splitKey } from '../config/toml-lines.js';

/**
 * Minimal edits of a TOML document (the runner's config.toml): only the lines
 * concerned change; comments, order, blank lines, tabs, unknown keys and the
 * other [[runners]] stay byte for byte. Table paths name [[runners]] entries
 * by index: ['runners', '1', 'docker'].
 */

interface KeySpan {
  /** 0-based first and last line of `key = value` (arrays may span lines). */
  start: number;
  end: number;
  indent: string;
}

interface TableSpan {
  header: number | null;
  headerIndent: string;
  /** Last line that belongs to the table (before the next header). */
  end: number;
  lastKey: number | null;
  keyIndent: string | null;
}

interface Layout {
  lines: string[];
  tables: Map<string, TableSpan>;
  keys: Map<string, KeySpan>;
}

function bracketDelta(text: string): number {
  let d = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '#') break;
    if (ch === '"' || ch === "'") {
      for (i++; i < text.length && text[i] !== ch; i++) if (ch === '"' && text[i] === '\\') i++;
    } else if (ch === '[' || ch === '{') d++;
    else if (ch === ']' || ch === '}') d--;
  }
  return d;
}

function layout(text: string): Layout {
  const lines = text.split('\n');
  const tables = new Map<string, TableSpan>([['', { header: null, headerIndent: '', end: -1, lastKey: null, keyIndent: null }]]);
  const keys = new Map<string, KeySpan>();
  const counts = new Map<string, number>();
  const resolve = (parts: string[]) => {
    const out: string[] = [];
    parts.forEach((p, i) => {
      out.push(p);
      const n = i < parts.length - 1 ? counts.get(out.join('.')) : undefined;
      if (n !== undefined) out.push(String(n - 1));
    });
    return out;
  };
  let table = '';
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const line = raw.trim();
    const indent = /^\s*/.exec(raw)![0];
    let m = /^\[\[\s*([^\]]+?)\s*\]\]/.exec(line) ?? /^\[\s*([^\]]+?)\s*\]/.exec(line);
    if (m) {
      let parts = resolve(splitKey(m[1]!));
      if (line.startsWith('[[')) {
        const base = parts.join('.');
        const n = counts.get(base) ?? 0;
        counts.set(base, n + 1);
        parts = [...parts, String(n)];
      }
      table = parts.join('.');
      tables.set(table, { header: i, headerIndent: indent, end: i, lastKey: null, keyIndent: null });
      continue;
    }
    const t = tables.get(table)!;
    m = /^((?:"[^"]*"|'[^']*'|[A-Za-z0-9_.\s-])+?)\s*=(.*)$/.exec(line);
    if (m) {
      let end = i;
      const value = m[2]!.trim();
      const q = ['"""', "'''"].find((x) => value.startsWith(x) && !value.slice(3).includes(x));
      if (q) while (end + 1 < lines.length && !lines[++end]!.includes(q));
      else for (let d = bracketDelta(value); d > 0 && end + 1 < lines.length; ) d += bracketDelta(lines[++end]!);
      keys.set([table, ...splitKey(m[1]!)].filter(Boolean).join('.'), { start: i, end, indent });
      t.lastKey = end;
      t.keyIndent ??= indent;
      i = end;
    }
    t.end = i;
  }
  return { lines, tables, keys };
}

/** A TOML value as text: true, 42, "str", ["a", "b"]. */
export function tomlValue(v: boolean | number | string | string[]): string {
  if (Array.isArray(v)) return `[${v.map((s) => JSON.stringify(s)).join(', ')}]`;
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/** The file's indentation unit, from its own lines (gitlab-runner writes tabs). */
function indentUnit(lines: string[]): string {
  return lines.some((l) => l.startsWith('\t')) ? '\t' : '  ';
}

/** Where the comment of a `key = value` line starts (its "#" outside strings), or -1. */
function commentAt(line: string): number {
  let inStr: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (inStr) {
      if (ch === '\\' && inStr === '"') i++;
      else if (ch === inStr) inStr = null;
    } else if (ch === '"' || ch === "'") inStr = ch;
    else if (ch === '#') return i;
  }
  return -1;
}

/**
 * The one-line `key = value` with its value replaced, and nothing else: the
 * key and the spacing around "=" as they were; a trailing comment aligned by
 * spaces keeps its column (the spaces shrink or grow by what the value did, at least one).
 */
function replaceValue(line: string, value: string): string {
  const eq = line.indexOf('=');
  const start = eq + 1 + /^[ \t]*/.exec(line.slice(eq + 1))![0].length;
  const hash = commentAt(line);
  const end = start + line.slice(start, hash < 0 ? line.length : hash).trimEnd().length;
  if (hash < 0) return `${line.slice(0, start)}${value}${line.slice(end)}`;
  const gap = line.slice(end, hash);
  // One space or tabs: the comment was not aligned, the gap stays; several spaces: it keeps its column.
  const pad = gap.length < 2 || gap.includes('\t') ? gap : ' '.repeat(Math.max(1, gap.length - (value.length - (end - start))));
  return `${line.slice(0, start)}${value}${pad}${line.slice(hash)}`;
}

/** What one level of indentation is under a table: its keys' indent past its header's, else the file's unit. */
function levelUnder(t: TableSpan | undefined, lines: string[]): string {
  if (t?.keyIndent && t.keyIndent.length > t.headerIndent.length && t.keyIndent.startsWith(t.headerIndent)) return t.keyIndent.slice(t.headerIndent.length);
  return indentUnit(lines);
}

/**
 * Sets `key` in `table` to `value` (TOML text). An existing key keeps its
 * line (and a trailing comment); a missing key goes after the table's last
 * key, indented like its siblings; a missing table is added at the end of
 * its parent entry (`parent`, e.g. ['runners', '0']).
 */
export function setKey(text: string, table: string[], key: string, value: string): string {
  const L = layout(text);
  const tkey = table.join('.');
  const k = L.keys.get([...table, key].join('.'));
  const lines = [...L.lines];
  if (k) {
    const first = lines[k.start]!;
    // A value over several lines (an array) becomes one line: `key = value`, the key as it was.
    const line = k.start === k.end ? replaceValue(first, value) : `${first.slice(0, first.indexOf('=')).trimEnd()} = ${value}`;
    if (k.start === k.end && first === line) return text;
    lines.splice(k.start, k.end - k.start + 1, line);
    return lines.join('\n');
  }
  const t = L.tables.get(tkey);
  if (t && t.header !== null) {
    const indent = t.keyIndent ?? t.headerIndent + levelUnder(L.tables.get(table.slice(0, -1).join('.')), lines);
    lines.splice((t.lastKey ?? t.header) + 1, 0, `${indent}${key} = ${value}`);
    return lines.join('\n');
  }
  if (table.length < 2) throw new Error(`table [${tkey}] not found`);
  // A new sub-table: after the last table of the parent entry, indented like its sibling sub-tables.
  const parent = table.slice(0, -1).join('.');
  const family = [...L.tables.entries()].filter(([name]) => name === parent || name.startsWith(`${parent}.`));
  if (family.length === 0) throw new Error(`table [${parent}] not found`);
  const lastEnd = Math.max(...family.map(([, s]) => s.end));
  const sibling = family.find(([name]) => name !== parent)?.[1];
  const p = L.tables.get(parent)!;
  const headerIndent = sibling?.headerIndent ?? p.keyIndent ?? p.headerIndent;
  const name = table.filter((_, i) => !/^\d+$/.test(table[i]!)).join('.');
  let at = lastEnd + 1;
  while (at - 1 > (sibling?.header ?? p.header ?? -1) && lines[at - 1]!.trim() === '') at--; // before the blank lines that end the entry
  // Its key: as the keys of a sibling sub-table at the same indent are, else one level (the parent's own) deeper.
  const keyIndent = sibling?.keyIndent && sibling.headerIndent === headerIndent ? sibling.keyIndent : headerIndent + levelUnder(p, lines);
  lines.splice(at, 0, `${headerIndent}[${name}]`, `${keyIndent}${key} = ${value}`);
  return lines.join('\n');
}

/** Top-level items of the array starting at `open` (the "["), as [start, end) offsets, comments skipped. */
function arrayItems(s: string, open: number): { items: Array<[number, number]>; close: number } {
  const items: Array<[number, number]> = [];
  let i = open + 1;
  let depth = 0;
  let start = -1;
  let lastNonSpace = -1;
  for (; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === '#') {
      while (i < s.length && s[i] !== '\n') i++;
      continue;
    }
    if (ch === '"' || ch === "'") {
      if (start < 0) start = i;
      for (i++; i < s.length && s[i] !== ch; i++) if (ch === '"' && s[i] === '\\') i++;
      lastNonSpace = i;
      continue;
    }
    if (depth === 0 && (ch === ',' || ch === ']')) {
      if (start >= 0) items.push([start, lastNonSpace + 1]);
      start = -1;
      if (ch === ']') return { items, close: i };
      continue;
    }
    if (ch === '[' || ch === '{') depth++;
    if (ch === ']' || ch === '}') depth--;
    if (!/\s/.test(ch)) {
      if (start < 0) start = i;
      lastNonSpace = i;
    }
  }
  throw new Error('unterminated array');
}

/** Removes the items of the array `key` in `table` for which `drop(value)` holds; the rest of the text stays. */
export function removeArrayItems(text: string, table: string[], key: string, drop: (item: unknown) => boolean): string {
  const L = layout(text);
  const k = L.keys.get([...table, key].join('.'));
  if (!k) return text;
  const offsets = L.lines.map(((sum) => (l: string) => ((sum += l.length + 1), sum - l.length - 1))(0));
  const from = offsets[k.start]! + L.lines[k.start]!.indexOf('=') + 1;
  const open = text.indexOf('[', from);
  if (open < 0) return text;
  const { items } = arrayItems(text, open);
  const gone = items.filter(([a, b]) => drop(TOML.parse(`v = ${text.slice(a, b)}`).v));
  if (gone.length === 0) return text;
  let out = text;
  for (const [a, b] of [...gone].reverse()) {
    const idx = items.findIndex(([x]) => x === a);
    const next = items[idx + 1];
    const prev = items[idx - 1];
    const lineStart = out.lastIndexOf('\n', a - 1) + 1;
    const ownLine = out.slice(lineStart, a).trim() === '' && /^\s*,?\s*(#.*)?$/.test(out.slice(b, out.indexOf('\n', b) < 0 ? undefined : out.indexOf('\n', b)));
    if (ownLine) {
      out = out.slice(0, lineStart) + out.slice(out.indexOf('\n', b) + 1); // an item on its own line: the line goes
    } else if (next) out = out.slice(0, a) + out.slice(next[0]);
    else if (prev) out = out.slice(0, prev[1]) + out.slice(b).replace(/^\s*,/, '');
    else out = out.slice(0, a) + out.slice(b).replace(/^\s*,/, '');
  }
  return out;
}
