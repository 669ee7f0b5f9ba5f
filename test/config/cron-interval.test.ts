import { describe, expect, it } from 'vitest';
import { cronIntervalSeconds } from '../../agent/config/cron-interval.js';
import { parseConfig } from '../../agent/config/load.js';

describe('cronIntervalSeconds: the longest gap of a schedule (RunnerguardAuditStale)', () => {
  it.each([
    ['*/30 * * * *', 1800],
    ['0 * * * *', 3600],
    ['15,45 * * * *', 1800],
    ['0 9-17 * * *', 16 * 3600],
    ['0 3 * * *', 86400],
    ['0 3 * * mon-fri', 3 * 86400],
    ['*/10 * * * * *', 10],
    ['0 0 1 * *', 31 * 86400],
    ['0 0 29 2 *', 1461 * 86400], // leap day to leap day
  ])('%s -> %i s', (expr, want) => {
    expect(cronIntervalSeconds(expr)).toBe(want);
  });

  it('no schedule, no interval', () => {
    expect(cronIntervalSeconds('*/0 * * * *')).toBeNull();
  });
});

describe('[metrics] config', () => {
  const FILE = '/etc/runnerguard/config.toml';
  it('per_finding defaults to fail, warn, error; pass and skip may be added', () => {
    expect(parseConfig('', FILE).metrics).toEqual({ per_finding: ['fail', 'warn', 'error'], spool_alert_age_ms: 7_200_000 });
    expect(parseConfig('[metrics]\nper_finding = ["fail", "pass", "skip"]\nspool_alert_age_ms = 60000\n', FILE).metrics).toEqual({ per_finding: ['fail', 'pass', 'skip'], spool_alert_age_ms: 60_000 });
  });

  it('a status that does not exist, or an alert age below a second, is an error with its line', () => {
    expect(() => parseConfig('[metrics]\nper_finding = ["fail", "passed"]\n', FILE)).toThrow(`${FILE}:2: metrics.per_finding: "passed" is no status (expected some of: fail, error, warn, pass, skip)`);
    expect(() => parseConfig('[metrics]\nspool_alert_age_ms = 5\n', FILE)).toThrow(`${FILE}:2: metrics.spool_alert_age_ms: 5 is below 1000 (1 s)`);
  });
});
