// `runnerguard config check` through the built CLI, on real files: every
// problem of the file in one run, each as `file:line: message`, the paths the
// commands would refuse in the same run, exit 2; the other commands stop at
// the same file with the first problem and the count.
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle, runCli } from '../helpers/cli.js';

let bundle: string;
let work: string;
beforeAll(async () => {
  bundle = buildBundle();
  work = await fsp.mkdtemp(path.join(os.tmpdir(), 'rg-config-check-'));
});
afterAll(async () => {
  await fsp.rm(work, { recursive: true, force: true });
  await fsp.rm(path.dirname(bundle), { recursive: true, force: true });
});

/** The five mistakes of the issue, and two more, in one root-owned 0600 file. */
const MISTAKES = (state: string) => `[agent]
state_dir = "${state}"
lock_wait = 5000

[report]
url = "http://collector.example:8080/v1/reports"

[[waivers]]
check = "RG-DISKK-001"
reason = "the disk is fine"
expires = "2025-13-01"

[[waivers]]
check = "RG-RUN-\\u001b[2J*"
reason = "a terminal escape in a pattern is shown, not obeyed"

[checks.RG-BUILD-001]
max_age_hours = "24"
`;

describe('runnerguard config check (built bundle)', () => {
  it('lists every problem in one run with file:line, and the untrusted state dir too (exit 2)', async () => {
    const state = path.join(work, 'state');
    await fsp.mkdir(state, { mode: 0o700 });
    await fsp.chown(state, 999, 999); // the runner user got there first
    const cfg = path.join(work, 'mistakes.toml');
    await fsp.writeFile(cfg, MISTAKES(state), { mode: 0o600 });
    const r = await runCli(bundle, ['config', 'check', '--config', cfg]);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')).toEqual([
      `runnerguard: ${cfg}:3: unknown key "lock_wait" in [agent] (expected one of: state_dir, schedule, check_timeout_ms, lock_wait_ms, stop_timeout_ms, tick_offset_max_ms, scan_threads)`,
      `runnerguard: ${cfg}:6: report.url: http://collector.example:8080/v1/reports: plain http is refused except to loopback; use https (run and deliver refuse to send)`,
      `runnerguard: ${cfg}:9: waivers.0.check: "RG-DISKK-001" matches no check in the catalogue (runnerguard checks lists them)`,
      `runnerguard: ${cfg}:11: waivers.0.expires: expected a date (YYYY-MM-DD), got "2025-13-01", which is no day of the calendar`,
      `runnerguard: ${cfg}:14: waivers.1.check: "RG-RUN-\\x1b[2J*" matches no check in the catalogue (runnerguard checks lists them)`,
      `runnerguard: ${cfg}:18: checks.RG-BUILD-001.max_age_hours: expected an integer, got a string`,
      '',
    ]);
    expect(r.stdout).toBe(
      `${cfg}: 6 problem(s) (on stderr), and 1 path(s) it names would be refused (run, deliver, fix, rollback and daemon exit 2):\n` +
        `  error: ${cfg}:2: state_dir ${state}: not trusted: ${state} is owned by uid 999 (mode 0700)\n` +
        'runnerguard uses these only when root owns them and every directory above them, and no other user can write them\n',
    );
    expect(r.stdout + r.stderr).not.toContain('\u001b');

    // Fixed one by one, each run shows what is left; the last says ok.
    await fsp.chown(state, 0, 0);
    const fixed = MISTAKES(state)
      .replace('lock_wait =', 'lock_wait_ms =')
      .replace('http://collector.example:8080', 'https://collector.example:8443')
      .replace('RG-DISKK-001', 'RG-DISK-001')
      .replace('2025-13-01', '2026-12-31')
      .replace('RG-RUN-\\u001b[2J*', 'RG-RUN-*')
      .replace('"24"', '24');
    await fsp.writeFile(cfg, fixed);
    const ok = await runCli(bundle, ['config', 'check', '--config', cfg]);
    expect({ code: ok.code, out: ok.stdout, err: ok.stderr }).toEqual({ code: 0, out: `${cfg}: ok\n`, err: '' });
  });

  it('the other commands refuse the same file at its first problem, with the count, before touching anything', async () => {
    const state = path.join(work, 'never-made');
    const cfg = path.join(work, 'for-run.toml');
    await fsp.writeFile(cfg, MISTAKES(state), { mode: 0o600 });
    const r = await runCli(bundle, ['run', '--root', work, '--config', cfg]);
    expect(r.code).toBe(2);
    // The lint rules (catalogue ids, URL) are config check's: run counts the three others after the first.
    expect(r.stderr).toBe(
      `runnerguard: ${cfg}:3: unknown key "lock_wait" in [agent] (expected one of: state_dir, schedule, check_timeout_ms, lock_wait_ms, stop_timeout_ms, tick_offset_max_ms, scan_threads) (and 2 more problem(s): runnerguard config check --config ${cfg} lists them all)\n`,
    );
    await expect(fsp.lstat(state)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('invalid TOML is one problem: the parser stops there', async () => {
    const cfg = path.join(work, 'broken.toml');
    await fsp.writeFile(cfg, '[agent]\nlock_wait = 1\n[[waivers]]\ncheck = "RG-RUN-003"\nreason = "x"\nexpires = 2025-13-01\n', { mode: 0o600 });
    const r = await runCli(bundle, ['config', 'check', '--config', cfg]);
    expect([r.code, r.stderr]).toEqual([2, `runnerguard: ${cfg}:6: invalid TOML: expires = 2025-13-01 is no day of the calendar\n`]);
  });

  it('a refused path is shown at the line of the key that names it, dotted keys too; a job-owned token dir and a planted spool link are named', async () => {
    const state = path.join(work, 'dotted-state');
    await fsp.mkdir(state, { mode: 0o700 });
    // The runner user planted a link where the spool goes, and owns the dir of the token.
    await fsp.symlink('/tmp', path.join(state, 'spool'));
    await fsp.lchown(path.join(state, 'spool'), 999, 999);
    const creds = path.join(work, 'job-creds');
    await fsp.mkdir(creds, { mode: 0o755 });
    await fsp.chown(creds, 999, 999);
    const cfg = path.join(work, 'dotted.toml');
    await fsp.writeFile(cfg, `# dotted keys, no tables\n\nagent.state_dir = "${state}"\nreport.url = "https://127.0.0.1:9/"\nreport.token_file = "${creds}/token"\n`, { mode: 0o600 });
    const r = await runCli(bundle, ['config', 'check', '--config', cfg]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n').filter((l) => l.startsWith('  error: '))).toEqual([
      `  error: ${cfg}:3: spool ${state}/spool: not trusted: ${state}/spool is a symlink owned by uid 999`,
      `  error: ${cfg}:3: spool ${state}/spool/rejected: not trusted: ${state}/spool is a symlink owned by uid 999`,
      `  error: ${cfg}:5: token_file ${creds}/token: not trusted: ${creds} is owned by uid 999 (mode 0755)`,
    ]);
  });
});
