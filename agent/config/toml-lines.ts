/**
 * Maps dotted key paths of a TOML document to their 1-based line numbers, so
 * a validation error can say `file:line`. Arrays of tables are indexed
 * (`waivers.0.check`). It is a locator, not a parser: @iarna/toml has
 * already accepted the document when this runs.
 */
export function splitKey(key: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let quote: string | null = null;
  for (const ch of key) {
    if (quote) {
      if (ch === quote) quote = null;
      else cur += ch;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '.') {
      parts.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  parts.push(cur.trim());
  return parts;
}

export function locateKeys(source: string): Map<string, number> {
  const lines = new Map<string, number>();
  const arrayCounts = new Map<string, number>();
  let table: string[] = [];
  source.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    const lineNo = i + 1;
    let m = /^\[\[\s*([^\]]+?)\s*\]\]/.exec(line);
    if (m) {
      const base = splitKey(m[1]!).join('.');
      const n = arrayCounts.get(base) ?? 0;
      arrayCounts.set(base, n + 1);
      table = [...splitKey(m[1]!), String(n)];
      lines.set(table.join('.'), lineNo);
      if (!lines.has(base)) lines.set(base, lineNo);
      return;
    }
    m = /^\[\s*([^\]]+?)\s*\]/.exec(line);
    if (m) {
      table = splitKey(m[1]!);
      lines.set(table.join('.'), lineNo);
      return;
    }
    m = /^((?:"[^"]*"|'[^']*'|[A-Za-z0-9_.\s-])+?)\s*=/.exec(line);
    if (m) {
      const full = [...table, ...splitKey(m[1]!)].join('.');
      if (!lines.has(full)) lines.set(full, lineNo);
    }
  });
  return lines;
}

/** The line of the path, or of its nearest located ancestor. */
export function lineOf(lines: Map<string, number>, path: string[]): number | undefined {
  for (let n = path.length; n > 0; n--) {
    const hit = lines.get(path.slice(0, n).join('.'));
    if (hit !== undefined) return hit;
  }
  return undefined;
}
