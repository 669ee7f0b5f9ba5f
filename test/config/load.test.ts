import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig, validateConfig } from '../../agent/config/load.js';
import { reportUrlProblem } from '../../agent/config/report-url.js';
import { isCalendarDate, MAX_PROBLEMS, problemText } from '../../agent/config/validate.js';

const OPTS = { 'RG-BUILD-001': { max_age_hours: 'integer' as const } };

function err(text: string): string {
  try {
    parseConfig(text, '/etc/runnerguard/config.toml', OPTS);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('accepts the contract example and fills defaults', () => {
    const cfg = parseConfig(
      `[agent]
state_dir = "/var/lib/runnerguard"
schedule = "*/30 * * * *"          # daemon mode only
[report]
url = "https://collector.example:8443/v1/reports"
token_file = "/etc/runnerguard/token"
ca_file = "/etc/ssl/ca.pem"
[metrics]
textfile = "/var/lib/prometheus/node-exporter/runnerguard.prom"
[gitlab]
config = "/etc/gitlab-runner/config.toml"
[github]
runner_dirs = ["/home/gh/actions-runner"]
[egress]
allow = ["registry.example.com:443", "10.20.0.0/16"]
[remediations]
enable = ["RG-RUN-002", "RG-AUDIT-002"]
[checks.RG-BUILD-001]
max_age_hours = 24
[[waivers]]
check = "RG-RUN-003"
subject = "runner:dind-*"
reason = "DinD builds, protected branches only"
expires = 2026-12-31
`,
      'c.toml',
      OPTS,
    );
    expect(cfg.report.url).toBe('https://collector.example:8443/v1/reports');
    expect(cfg.report.timeout_ms).toBe(30_000);
    expect(cfg.checks['RG-BUILD-001']).toEqual({ max_age_hours: 24 });
    expect(cfg.waivers).toEqual([
      { check: 'RG-RUN-003', subject: 'runner:dind-*', reason: 'DinD builds, protected branches only', expires: '2026-12-31' },
    ]);
    expect(cfg.github.runner_dirs).toEqual(['/home/gh/actions-runner']);
  });

  it('names file:line for an unknown key (a typo must not silently disable a check)', () => {
    expect(err('[agent]\nstate_dir = "/x"\n\n[remediations]\nenabled = ["RG-RUN-002"]\n')).toBe(
      '/etc/runnerguard/config.toml:5: unknown key "enabled" in [remediations] (expected one of: enable)',
    );
  });

  it('names file:line and the expected type for a wrong type', () => {
    expect(err('[checks.RG-BUILD-001]\nmax_age_hours = "24"\n')).toBe(
      '/etc/runnerguard/config.toml:2: checks.RG-BUILD-001.max_age_hours: expected an integer, got a string',
    );
    expect(err('[egress]\nallow = "10.0.0.0/8"\n')).toMatch(/:2: egress\.allow: expected an array of strings, got a string/);
  });

  it('rejects unknown sections, unknown checks and incomplete waivers with their line', () => {
    expect(err('\n[agnet]\nstate_dir = "/x"\n')).toMatch(/:2: unknown key "agnet"/);
    expect(err('[checks.RG-NOPE-001]\nx = 1\n')).toMatch(/:1: unknown check "RG-NOPE-001"/);
    expect(err('[[waivers]]\ncheck = "RG-RUN-003"\n[[waivers]]\ncheck = "RG-RUN-004"\nreason = "x"\nexpires = "soon"\n')).toMatch(
      /:1: \[waivers\.0\] is missing the required key "reason"/,
    );
    expect(err('[[waivers]]\ncheck = "RG-RUN-004"\nreason = "x"\nexpires = "soon"\n')).toMatch(/:4: waivers\.0\.expires: expected a date/);
  });

  it('reports malformed TOML with its line', () => {
    expect(err('[agent]\nstate_dir = "/x"\nschedule = \n')).toMatch(/^\/etc\/runnerguard\/config.toml:3: invalid TOML: /);
  });
});

describe('validateConfig: every problem in one pass', () => {
  const FILE = '/etc/runnerguard/config.toml';
  const LINT = { checkIds: ['RG-RUN-003', 'RG-RUN-004', 'RG-DISK-001', 'RG-BUILD-001'] };
  const lines = (text: string, lint = LINT) => validateConfig(text, FILE, OPTS, ['RG-RUN-002'], lint).problems.map(problemText);

  it('lists each mistake with its line, sorted, instead of stopping at the first', () => {
    const text = [
      '[agent]', // 1
      'state-dir = "/x"', // 2: typo
      'schedule = "*/0 * * * *"', // 3: no cron expression
      '[report]', // 4
      'url = "http://collector.example/v1/reports"', // 5: plain http off loopback
      'timeout_ms = "30s"', // 6: wrong type
      '[remediations]', // 7
      'enable = ["RG-RUN-009"]', // 8: no such remediation
      '[[waivers]]', // 9
      'check = "RG-DISKK-001"', // 10: no such check
      'reason = "disk is fine"', // 11
      'expires = "2025-13-01"', // 12: month 13
      '[[waivers]]', // 13
      'check = "RG-RUN-*"', // 14: a glob that matches: fine
      'reason = "x"', // 15
      'expires = 2025-02-30', // 16: a bare date TOML turns into March 2nd
      '',
    ].join('\n');
    expect(lines(text)).toEqual([
      `${FILE}:2: unknown key "state-dir" in [agent] (expected one of: state_dir, schedule, check_timeout_ms, lock_wait_ms, stop_timeout_ms, tick_offset_max_ms, scan_threads)`,
      expect.stringMatching(/^\/etc\/runnerguard\/config\.toml:3: agent\.schedule: "\*\/0 \* \* \* \*" is not a cron expression/),
      `${FILE}:5: report.url: http://collector.example/v1/reports: plain http is refused except to loopback; use https (run and deliver refuse to send)`,
      `${FILE}:6: report.timeout_ms: expected an integer, got a string`,
      `${FILE}:8: remediations.enable: "RG-RUN-009" has no automated remediation (automated: RG-RUN-002)`,
      `${FILE}:10: waivers.0.check: "RG-DISKK-001" matches no check in the catalogue (runnerguard checks lists them)`,
      `${FILE}:12: waivers.0.expires: expected a date (YYYY-MM-DD), got "2025-13-01", which is no day of the calendar`,
      `${FILE}:16: expires: 2025-02-30 is no day of the calendar`,
    ]);
    // Without the lint rules (every command but config check) the rest still fails, first problem first, counted.
    expect(() => parseConfig(text, FILE, OPTS, ['RG-RUN-002'])).toThrow(
      `${FILE}:2: unknown key "state-dir" in [agent] (expected one of: state_dir, schedule, check_timeout_ms, lock_wait_ms, stop_timeout_ms, tick_offset_max_ms, scan_threads) (and 5 more problem(s): runnerguard config check --config ${FILE} lists them all)`,
    );
  });

  it('an impossible expiry is an error for every command: the waiver would never expire', () => {
    // Attacker's view: a waiver that reads as temporary but waives the finding forever.
    for (const bad of ['"2025-13-01"', '"2025-02-29"', '"2025-04-31"', '"2025-00-10"', '2025-02-30', '2100-02-29']) {
      expect(() => parseConfig(`[[waivers]]\ncheck = "RG-RUN-003"\nreason = "x"\nexpires = ${bad}\n`, FILE)).toThrow(/^\/etc\/runnerguard\/config\.toml:4: /);
    }
    expect(parseConfig('[[waivers]]\ncheck = "RG-RUN-003"\nreason = "x"\nexpires = 2024-02-29\n', FILE).waivers[0]!.expires).toBe('2024-02-29');
    expect(['2024-02-29', '2000-02-29', '2026-12-31'].map(isCalendarDate)).toEqual([true, true, true]);
    expect(['2023-02-29', '1900-02-29', '2026-12-32', '2026-1-01', '2026-12-31x'].map(isCalendarDate)).toEqual([false, false, false, false, false]);
  });

  it('invalid TOML is one problem with its line, also for a bare date the parser cannot take', () => {
    expect(lines('[agent]\nstate-dir = "/x"\nschedule = \n')).toEqual([expect.stringMatching(/^\/etc\/runnerguard\/config\.toml:3: invalid TOML: /)]);
    expect(lines('[agent]\nstate-dir = "/x"\n[[waivers]]\ncheck = "RG-RUN-003"\nreason = "x"\nexpires = 2025-13-01\n')).toEqual([
      `${FILE}:6: invalid TOML: expires = 2025-13-01 is no day of the calendar`,
    ]);
  });

  it('the collector URL rule is the one delivery applies: https, or http to loopback only', () => {
    expect(['https://c.example/r', 'http://127.0.0.1:8080/r', 'http://[::1]/r', 'http://localhost/r', 'http://2130706433/r'].map(reportUrlProblem)).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(['http://10.0.0.1/r', 'http://127.0.0.1.evil.example/r', 'ftp://c.example/r', 'c.example/r'].map(reportUrlProblem)).toEqual([
      'plain http is refused except to loopback; use https',
      'plain http is refused except to loopback; use https',
      'unsupported scheme',
      'not a URL',
    ]);
    // Not a lint problem for the other commands: delivery refuses it there, and the reports stay spooled.
    expect(parseConfig('[report]\nurl = "http://10.0.0.1/r"\n', FILE).report.url).toBe('http://10.0.0.1/r');
  });

  it('a flood of mistakes is bounded: the first ones listed, the rest counted', () => {
    const text = `[agent]\n${Array.from({ length: 5000 }, (_, i) => `typo_${i} = 1`).join('\n')}\n`;
    const r = validateConfig(text, FILE, OPTS, undefined, LINT);
    expect(r.problems).toHaveLength(MAX_PROBLEMS);
    expect(r.more).toBe(5000 - MAX_PROBLEMS);
    expect(r.problems[0]!.line).toBe(2);
  });
});

describe('loadConfig', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'rg-config-'));
  });
  afterAll(async () => {
    await fsp.rm(dir, { recursive: true, force: true });
  });

  async function write(name: string, text: string | Buffer, mode = 0o600, uid = 0): Promise<string> {
    const p = path.join(dir, name);
    await fsp.writeFile(p, text);
    await fsp.chmod(p, mode);
    await fsp.chown(p, uid, 0);
    return p;
  }

  it('refuses a config writable by non-root', async () => {
    const p = await write('group-writable.toml', '[agent]\n', 0o664);
    await expect(loadConfig(p)).rejects.toThrow(/refused: writable by non-root \(owner uid 0, mode 0664\)/);
    const q = await write('user-owned.toml', '[agent]\n', 0o600, 1000);
    await expect(loadConfig(q)).rejects.toThrow(/refused: writable by non-root \(owner uid 1000/);
  });

  it('missing default means defaults; missing explicit file is an error', async () => {
    await expect(loadConfig(path.join(dir, 'absent.toml'))).rejects.toThrow(/absent\.toml: no such file/);
  });

  it('binary garbage and directories are refused with the file name', async () => {
    const p = await write('garbage.toml', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3]));
    await expect(loadConfig(p)).rejects.toThrow(/garbage\.toml: binary data, not TOML/);
    await expect(loadConfig(dir)).rejects.toThrow(/not a regular file/);
  });
});
