import { splitKey } from '../config/toml-lines.js';
import { defineFact } from './index.js';
import { gitlabFacts } from './gitlab.js';

/** A key path in the runner config, [[runners]] entries by index: ['runners', 1, 'docker', 'privileged']. */
export type KeyPath = ReadonlyArray<string | number>;

export interface ConfigLines {
  path: string;
  /** 1-based line of the key, else of its nearest located ancestor (its table, its [[runners]] header). */
  lineOf(key: KeyPath): number | undefined;
  /** "file:line" for the key (or its nearest ancestor), the bare file when nothing is located. */
  at(key: KeyPath): string;
}

/** Bracket balance of a TOML value fragment, ignoring strings and the trailing comment. */
function bracketDelta(text: string): number {
  let delta = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '#') break;
    if (ch === '"' || ch === "'") {
      for (i++; i < text.length && text[i] !== ch; i++) if (ch === '"' && text[i] === '\\') i++;
    } else if (ch === '[') delta++;
    else if (ch === ']') delta--;
  }
  return delta;
}

function opensMultilineString(value: string): '"""' | "'''" | null {
  const v = value.trimStart();
  for (const q of ['"""', "'''"] as const) if (v.startsWith(q) && !v.slice(3).includes(q)) return q;
  return null;
}

/**
 * Maps dotted key paths of a runner config to line numbers. Unlike the agent
 * config's locator it indexes sub-tables of arrays of tables, because every
 * [[runners]] entry has its own [runners.docker]. It skips the insides of
 * multi-line arrays and strings, where a "[...]" or "x = y" line is data.
 * A locator, not a parser: @iarna/toml has accepted the document already.
 */
export function locateConfigLines(source: string): Map<string, number> {
  const out = new Map<string, number>();
  const arrayCounts = new Map<string, number>();
  // Ancestors that are arrays of tables resolve to their latest element.
  const resolve = (parts: string[]): string[] => {
    const resolved: string[] = [];
    parts.forEach((p, i) => {
      resolved.push(p);
      const n = i < parts.length - 1 ? arrayCounts.get(resolved.join('.')) : undefined;
      if (n !== undefined) resolved.push(String(n - 1));
    });
    return resolved;
  };
  let table: string[] = [];
  let depth = 0;
  let inString: string | null = null;
  source.split('\n').forEach((raw, i) => {
    const lineNo = i + 1;
    if (inString) {
      if (raw.includes(inString)) inString = null;
      return;
    }
    if (depth > 0) {
      depth += bracketDelta(raw);
      return;
    }
    const line = raw.trim();
    let m = /^\[\[\s*([^\]]+?)\s*\]\]/.exec(line);
    if (m) {
      const base = resolve(splitKey(m[1]!)).join('.');
      const n = arrayCounts.get(base) ?? 0;
      arrayCounts.set(base, n + 1);
      table = [...base.split('.'), String(n)];
      out.set(table.join('.'), lineNo);
      return;
    }
    m = /^\[\s*([^\]]+?)\s*\]/.exec(line);
    if (m) {
      table = resolve(splitKey(m[1]!));
      out.set(table.join('.'), lineNo);
      return;
    }
    m = /^((?:"[^"]*"|'[^']*'|[A-Za-z0-9_.\s-])+?)\s*=(.*)$/.exec(line);
    if (m) {
      const full = [...table, ...splitKey(m[1]!)].join('.');
      if (!out.has(full)) out.set(full, lineNo);
      inString = opensMultilineString(m[2]!);
      if (!inString) depth = Math.max(0, bracketDelta(m[2]!));
    }
  });
  return out;
}

/** Where each key of the runner config is, for evidence that says file:line. Null without a parsed config. */
export const gitlabConfigLines = defineFact<ConfigLines | null>('gitlab-config-lines', async (env) => {
  const gitlab = await env.facts.get(gitlabFacts);
  if (!gitlab || !gitlab.config.ok) return null;
  const path = gitlab.configPath;
  // The config parsed a moment ago; if it vanished since, evidence just loses its line numbers.
  const text = await env.host.fs.readText(path, { maxBytes: 2 * 1024 * 1024 }).catch(() => '');
  const lines = locateConfigLines(text);
  const lineOf = (key: KeyPath): number | undefined => {
    const parts = key.map(String);
    for (let n = parts.length; n > 0; n--) {
      const hit = lines.get(parts.slice(0, n).join('.'));
      if (hit !== undefined) return hit;
    }
    return undefined;
  };
  return {
    path,
    lineOf,
    at: (key) => {
      const line = lineOf(key);
      return line === undefined ? path : `${path}:${line}`;
    },
  };
});
