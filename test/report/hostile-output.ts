import { expect } from 'vitest';

/**
 * What no terminal output may hold raw: C0 but newline and tab (diffs of
 * config files keep their indentation), DEL, C1 (U+009B is a CSI),
 * line/paragraph separators, bidi overrides and isolates, and U+FFFD (what
 * a lone surrogate turns into when written unescaped).
 */
export const RAW_CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufffd]/;

/** Status words a forged line would start with. */
export const STATUS_LINE = /^\s*(PASS|FAIL|WARN|SKIP|ERROR|applied|pending|skipped|failed|undone)\b/i;

/** Asserts `out` holds no raw control character; names the first one found. */
export function expectNoRawControl(out: string, what: string): void {
  const m = RAW_CONTROL.exec(out);
  const where = m ? JSON.stringify(out.slice(Math.max(0, m.index - 40), m.index + 10)) : '';
  expect(m, `${what}: raw U+${m?.[0].charCodeAt(0).toString(16).padStart(4, '0')} near ${where}`).toBeNull();
}

/** The lines of `out` that start like a status line. */
export function statusLines(out: string): string[] {
  return out.split('\n').filter((l) => STATUS_LINE.test(l));
}
