
/**
 * Strict check of a cron expression before node-cron sees it: node-cron 4.2
 * accepts 7 fields, "5-1" and "*\/70", and "*\/0" sends it into an endless
 * loop that kills the process. Five fields (minute hour day month weekday),
 * or six with seconds first; each a list of `*`, `N` or `N-M`, `*` and
 * ranges optionally stepped with `/S`.
 */
interface Field {
  name: string;
  min: number;
  max: number;
  names?: string[];
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const FIELDS: Field[] = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day of week', min: 0, max: 7, names: DAYS },
];

function value(text: string, f: Field): number | string {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n >= f.min && n <= f.max ? n : `${text} is out of range ${f.min}-${f.max}`;
  }
  const i = f.names?.indexOf(text.toLowerCase()) ?? -1;
  if (i >= 0) return f.min + i;
  return `"${text}" is not a number${f.names ? ' or a name' : ''}`;
}

function itemProblem(item: string, f: Field): string | null {
  const m = /^([^/]+)(?:\/(\d+))?$/.exec(item);
  if (!m) return `"${item}" is not *, N, N-M or a step`;
  const [, base, step] = m;
  if (step !== undefined && (Number(step) < 1 || Number(step) > f.max)) return `step /${step} must be 1-${f.max}`;
  if (base === '*') return null;
  const range = base!.split('-');
  if (range.length > 2) return `"${base}" is not a range`;
  const ends = range.map((r) => value(r, f));
  const bad = ends.find((e) => typeof e === 'string');
  if (bad !== undefined) return bad as string;
  if (range.length === 1 && step !== undefined) return `"${item}": a step needs * or a range (N-M/S)`;
  if (range.length === 2 && (ends[0] as number) > (ends[1] as number)) return `range ${base} runs backwards`;
  return null;
}

/** Why `expr` is not a cron expression the daemon can use, or null when it is. */
export function cronProblem(expr: string): string | null {
  const parts = expr.trim().split(/\s+/);
  if (parts.length !== 5 && parts.length !== 6) return `expected 5 fields (minute hour day month weekday) or 6 (seconds first), got ${expr.trim() ? parts.length : 0}`;
  const fields = parts.length === 5 ? FIELDS.slice(1) : FIELDS;
  for (const [i, part] of parts.entries()) {
    for (const item of part.split(',')) {
      const p = itemProblem(item, fields[i]!);
      if (p) return `${fields[i]!.name}: ${p}`;
    }
  }
  // Loaded here, not at start-up: initialising node-cron costs every command about 12 ms (it loads crypto for ids).
  const cron = require('node-cron') as typeof import('node-cron');
  return cron.validate(normalizeCron(expr)) ? null : 'rejected by node-cron';
}

/** node-cron splits on single spaces: collapse what the strict check allowed. */
export function normalizeCron(expr: string): string {
  return expr.trim().split(/\s+/).join(' ');
}
