import { describe, expect, it } from 'vitest';
import { cronProblem } from '../../agent/config/cron.js';
import { parseConfig } from '../../agent/config/load.js';

describe('[agent] schedule: cron expressions', () => {
  it.each(['*/30 * * * *', '0 */2 * * *', '15 3 * * mon-fri', '0 0 1 jan,jul *', '*/10 * * * * *', '0-30/5 8-18 * * 1-5', ' 5  4 * * 7 '])('accepts %j', (e) => {
    expect(cronProblem(e)).toBeNull();
  });

  // node-cron 4.2 accepts several of these, and never returns from "*/0".
  it.each([
    ['*/0 * * * *', 'minute: step /0 must be 1-59'],
    ['*/70 * * * *', 'minute: step /70 must be 1-59'],
    ['61 * * * *', 'minute: 61 is out of range 0-59'],
    ['5-1 * * * *', 'minute: range 5-1 runs backwards'],
    ['5/10 * * * *', 'minute: "5/10": a step needs * or a range (N-M/S)'],
    ['* * * *', 'expected 5 fields (minute hour day month weekday) or 6 (seconds first), got 4'],
    ['* * * * * * *', 'expected 5 fields (minute hour day month weekday) or 6 (seconds first), got 7'],
    ['', 'expected 5 fields (minute hour day month weekday) or 6 (seconds first), got 0'],
    ['@hourly', 'expected 5 fields (minute hour day month weekday) or 6 (seconds first), got 1'],
    ['0 0 * foo *', 'month: "foo" is not a number or a name'],
    ['0 24 * * *', 'hour: 24 is out of range 0-23'],
  ])('refuses %j: %s', (e, why) => {
    expect(cronProblem(e)).toBe(why);
  });

  it('a bad schedule in the config file is an error at its line', () => {
    expect(() => parseConfig('[agent]\nstate_dir = "/x"\nschedule = "*/0 * * * *"\n', '/etc/runnerguard/config.toml')).toThrow(
      '/etc/runnerguard/config.toml:3: agent.schedule: "*/0 * * * *" is not a cron expression: minute: step /0 must be 1-59',
    );
  });
});
