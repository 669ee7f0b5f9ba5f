/**
 * The daemon's cron timer: the subset of node-cron's `schedule()` the daemon
 * uses, on plain local-time Date arithmetic. node-cron computes every match
 * through a fresh Intl.DateTimeFormat, which loads ICU's locale and zone data
 * into the process: ~10 MB of the idle daemon's RSS, for nothing a daemon
 * in the host's own timezone needs. The expression has passed
 * config/cron.ts's cronProblem (the strict check and node-cron's own), and
 * matches as node-cron matches: every field must match (a day of month and
 * a weekday both given must both hold), 5 fields mean second 0, weekday 7
 * is Sunday.
 */

type Fields = [seconds: Set<number>, minutes: Set<number>, hours: Set<number>, days: Set<number>, months: Set<number>, weekdays: Set<number>];

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const RANGES: Array<[min: number, max: number, names?: string[]]> = [[0, 59], [0, 59], [0, 23], [1, 31], [1, 12, MONTHS], [0, 7, DAYS]];
/** Re-checks the clock at least this often: a clock set back or forward is followed within a minute. */
const MAX_WAIT_MS = 60_000;
/** Candidate steps before giving up (an expression no date matches, like 30 February). */
const MAX_STEPS = 100_000;
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

function num(text: string, min: number, names?: string[]): number {
  const i = names?.indexOf(text.toLowerCase()) ?? -1;
  return i >= 0 ? min + i : Number(text);
}

/** The expression's allowed values, field by field (seconds first). */
export function cronFields(expr: string): Fields {
  const parts = expr.trim().split(/\s+/);
  if (parts.length === 5) parts.unshift('0');
  if (parts.length !== 6) throw new Error(`not a cron expression: ${expr}`);
  return parts.map((part, f) => {
    const [min, max, names] = RANGES[f]!;
    const set = new Set<number>();
    for (const item of part.split(',')) {
      const [base, stepText] = item.split('/');
      const step = stepText === undefined ? 1 : Number(stepText);
      const [lo, hi] = base === '*' ? [min, max] : base!.split('-').map((t) => num(t, min, names));
      const end = hi ?? (stepText === undefined ? lo! : max);
      if (!(step >= 1) || !Number.isInteger(lo) || !Number.isInteger(end)) throw new Error(`not a cron expression: ${expr}`);
      for (let v = lo!; v <= end; v += step) set.add(f === 5 && v === 7 ? 0 : v);
    }
    return set;
  }) as Fields;
}

/**
 * The first whole second after `after` that the fields match, in local time
 * (every instant whose local time matches: a local hour the clock repeats in
 * autumn matches twice, one it skips in spring not at all); null when none
 * does. Days and months step by the local calendar, hours and less by the
 * clock itself, so a repeated hour is stepped through, never back into.
 */
export function nextRun(fields: Fields, after: Date): Date | null {
  const [seconds, minutes, hours, days, months, weekdays] = fields;
  let t = Math.floor(after.getTime() / SECOND) * SECOND + SECOND;
  for (let i = 0; i < MAX_STEPS; i++) {
    const d = new Date(t);
    let next: number;
    if (!months.has(d.getMonth() + 1)) {
      d.setMonth(d.getMonth() + 1, 1);
      next = d.setHours(0, 0, 0, 0);
    } else if (!days.has(d.getDate()) || !weekdays.has(d.getDay())) {
      d.setDate(d.getDate() + 1);
      next = d.setHours(0, 0, 0, 0);
    } else if (!hours.has(d.getHours())) {
      next = t - d.getMinutes() * MINUTE - d.getSeconds() * SECOND + HOUR;
    } else if (!minutes.has(d.getMinutes())) {
      next = t - d.getSeconds() * SECOND + MINUTE;
    } else if (!seconds.has(d.getSeconds())) {
      next = t + SECOND;
    } else {
      return d;
    }
    t = next > t ? next : t + SECOND; // never backwards (a local midnight the clock repeats)
  }
  return null;
}

export interface ScheduledTask {
  stop(): void;
  destroy(): void;
  getNextRun(): Date | null;
}

/** Calls `fn` at each time `expr` matches, from now on, with the time it was due (as node-cron's schedule and its ctx.date; the options are not used). */
export function schedule(expr: string, fn: (ctx: { date: Date }) => void, _opts?: { name?: string }): ScheduledTask {
  const fields = cronFields(expr);
  let next = nextRun(fields, new Date());
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const arm = () => {
    if (stopped || !next) return;
    timer = setTimeout(wake, Math.max(0, Math.min(next.getTime() - Date.now(), MAX_WAIT_MS)));
  };
  const wake = () => {
    const now = new Date();
    const at = next;
    const due = at !== null && now.getTime() >= at.getTime();
    // From now: a tick missed while the host slept is not made up, and a clock set back is followed.
    next = nextRun(fields, now);
    arm();
    if (due) fn({ date: at });
  };
  arm();
  const stop = () => {
    stopped = true;
    clearTimeout(timer);
  };
  return { stop, destroy: stop, getNextRun: () => (stopped ? null : next) };
}
