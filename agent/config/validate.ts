import type { FieldType, TableSchema } from './schema.js';
import { lineOf } from './toml-lines.js';

/** One thing wrong with a config file; shown as `file:line: message`. */
export interface ConfigProblem {
  file: string;
  line?: number;
  message: string;
}

export function problemText(p: ConfigProblem): string {
  return `${p.file}${p.line !== undefined ? `:${p.line}` : ''}: ${p.message}`;
}

/** A config of a million junk lines must not make a million messages: the rest are counted. */
export const MAX_PROBLEMS = 100;

export function typeName(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Date) return 'a date';
  if (typeof v === 'number') return Number.isInteger(v) ? 'an integer' : 'a float';
  if (typeof v === 'object' && v !== null) return 'a table';
  return `a ${typeof v}`;
}

const EXPECTED: Record<FieldType, string> = {
  string: 'a string',
  'string[]': 'an array of strings',
  integer: 'an integer',
  boolean: 'a boolean (true or false)',
  date: 'a date (YYYY-MM-DD)',
};

/**
 * A day that exists: `2025-13-01` and `2025-02-30` do not. The regex alone
 * let them through, and a waiver whose `expires` is no date never expired.
 */
export function isCalendarDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1];
  return days !== undefined && d >= 1 && d <= days;
}

/**
 * Bare TOML dates that are no calendar day, with their lines. @iarna/toml
 * throws a TypeError without a line for `2025-13-01` and silently turns
 * `2025-02-30` into March 2nd, so the source is read for them.
 */
export function badBareDates(text: string): Array<{ line: number; key: string; date: string }> {
  const out: Array<{ line: number; key: string; date: string }> = [];
  text.split('\n').forEach((raw, i) => {
    const m = /^\s*((?:"[^"]*"|'[^']*'|[A-Za-z0-9_.\s-])+?)\s*=\s*(\d{4}-\d{2}-\d{2})(?![\d-])/.exec(raw);
    if (m && !isCalendarDate(m[2]!)) out.push({ line: i + 1, key: m[1]!.trim(), date: m[2]! });
  });
  return out;
}

function coerce(v: unknown, type: FieldType): unknown | undefined {
  switch (type) {
    case 'string':
      return typeof v === 'string' ? v : undefined;
    case 'string[]':
      return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined;
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
    case 'boolean':
      return typeof v === 'boolean' ? v : undefined;
    case 'date':
      // A bare date that rolled over (2025-02-30) is reported from the source by badBareDates.
      if (v instanceof Date && !Number.isNaN(v.getTime())) return v.toISOString().slice(0, 10);
      return typeof v === 'string' && isCalendarDate(v) ? v : undefined;
  }
}

/** Validates tables against their schemas, collecting every problem instead of stopping at the first. */
export class Validator {
  readonly problems: ConfigProblem[] = [];
  more = 0;

  constructor(
    private readonly file: string,
    private readonly lines: Map<string, number>,
  ) {}

  fail(path: string[], message: string): undefined {
    this.at(lineOf(this.lines, path), message);
    return undefined;
  }

  at(line: number | undefined, message: string): void {
    if (this.problems.length < MAX_PROBLEMS) this.problems.push({ file: this.file, line, message });
    else this.more++;
  }

  isTable(value: unknown, path: string[]): value is Record<string, unknown> {
    if (typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date)) return true;
    this.fail(path, `${path.join('.')}: expected a table, got ${typeName(value)}`);
    return false;
  }

  /** The valid keys of the table; undefined when it is no table or lacks a required key (nothing of it is used). */
  table(value: unknown, path: string[], schema: TableSchema): Record<string, unknown> | undefined {
    const name = path.join('.');
    if (!this.isTable(value, path)) return undefined;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const type = schema.fields[k];
      if (!type) {
        const known = Object.keys(schema.fields);
        this.fail([...path, k], `unknown key "${k}" in [${name}] (expected one of: ${known.join(', ') || 'none'})`);
        continue;
      }
      const ok = coerce(v, type);
      if (ok === undefined) this.fail([...path, k], `${name}.${k}: expected ${EXPECTED[type]}, got ${typeof v === 'string' && type === 'date' ? `"${v}", which is no day of the calendar` : typeName(v)}`);
      else out[k] = ok;
    }
    let complete = true;
    for (const req of schema.required ?? []) {
      if (!(req in value)) this.fail(path, `[${name}] is missing the required key "${req}"`);
      if (!(req in out)) complete = false;
    }
    return complete ? out : undefined;
  }
}
