import { cronProblem } from './cron.js';

/**
 * The longest gap between two runs of a cron schedule, in seconds: what
 * "no audit for more than twice the schedule" (RunnerguardAuditStale) is
 * measured against. Computed over eight years of UTC days (a Feb 29 or a
 * "Monday the 13th" schedule has gaps of years), in O(days): the times of
 * one day are the same on every day that matches.
 */

const NAMES: Record<number, string[]> = {
  4: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
  5: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'],
};
const RANGES: Array<[number, number]> = [
  [0, 59],
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 7],
];

function num(text: string, field: number): number {
  const i = NAMES[field]?.indexOf(text.toLowerCase()) ?? -1;
  return i >= 0 ? i + (field === 4 ? 1 : 0) : Number(text);
}

/** The values of one field (0 seconds .. 5 day of week); cronProblem has vetted the syntax. */
function values(part: string, field: number): Set<number> {
  const [min, max] = RANGES[field]!;
  const out = new Set<number>();
  for (const item of part.split(',')) {
    const [base, stepText] = item.split('/') as [string, string | undefined];
    const step = stepText ? Number(stepText) : 1;
    let [lo, hi] = base === '*' ? [min, max] : (base.split('-').map((x) => num(x, field)) as [number, number?]);
    if (hi === undefined) hi = stepText ? max : lo;
    for (let v = lo; v <= hi!; v += step) out.add(field === 5 && v === 7 ? 0 : v);
  }
  return out;
}

const DAY = 86_400;

/** Null when `expr` is no schedule (config validation reports that). */
export function cronIntervalSeconds(expr: string): number | null {
  if (cronProblem(expr)) return null;
  const parts = expr.trim().split(/\s+/);
  const six = parts.length === 6 ? parts : ['0', ...parts];
  const [sec, min, hour, dom, mon, dow] = six.map((p, i) => values(p, i));
  const secs = [...sec!].sort((a, b) => a - b);
  // Seconds of the day at which it runs, and the longest gap inside one day.
  const times: number[] = [];
  for (const h of [...hour!].sort((a, b) => a - b)) for (const m of [...min!].sort((a, b) => a - b)) for (const s of secs) times.push(h * 3600 + m * 60 + s);
  let inDay = 0;
  for (let i = 1; i < times.length; i++) inDay = Math.max(inDay, times[i]! - times[i - 1]!);
  // Vixie cron: when both day fields are restricted, a day matching either runs.
  const domAny = six[3]!.startsWith('*');
  const dowAny = six[5]!.startsWith('*');
  const start = Date.UTC(2025, 0, 1) / 1000;
  let prevLast: number | null = null;
  let longest = inDay;
  for (let d = 0; d < 8 * 366; d++) {
    const t = start + d * DAY;
    const date = new Date(t * 1000);
    if (!mon!.has(date.getUTCMonth() + 1)) continue;
    const byDom = dom!.has(date.getUTCDate());
    const byDow = dow!.has(date.getUTCDay());
    const runs = domAny || dowAny ? byDom && byDow : byDom || byDow;
    if (!runs) continue;
    if (prevLast !== null) longest = Math.max(longest, t + times[0]! - prevLast);
    prevLast = t + times[times.length - 1]!;
  }
  return longest;
}
