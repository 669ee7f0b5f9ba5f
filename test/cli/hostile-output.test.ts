import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle, runCli } from '../helpers/cli.js';
import { FixtureTree } from '../helpers/fixture-tree.js';
import { treeHash } from '../helpers/remediation-cases.js';
import { NAMES, RUNNER_NAMES, hostileHost } from '../report/hostile-host.js';
import { expectNoRawControl, statusLines } from '../report/hostile-output.js';

// fix, rollback, run's logs, and the error lines of the built CLI, on a host
// where a job chose the file, dir and runner names.

let bundle: string;
let work: string;
beforeAll(() => {
  bundle = buildBundle();
  work = mkdtempSync(path.join(os.tmpdir(), 'rg-hostile-cli-'));
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  rmSync(path.dirname(bundle), { recursive: true, force: true });
});

/** A fresh hostile host and a root-only config whose state dir is ours. */
async function setup(name: string, extra = ''): Promise<{ t: FixtureTree; cfg: string }> {
  const t = await FixtureTree.create();
  await hostileHost(t);
  const dir = path.join(work, name);
  execFileSync('mkdir', ['-m', '0700', dir]);
  const cfg = path.join(dir, 'config.toml');
  writeFileSync(cfg, `[agent]\nstate_dir = "${dir}/state"\n${extra}`, { mode: 0o600 });
  return { t, cfg };
}

/** `  <state> RG-XXX-000 <subject>: <step>`: how apply and rollback print a step. */
const STEP_LINE = /^(applied|skipped|pending|undone) +RG-[A-Z]+-\d{3} \S/;

describe('fix and rollback print job-chosen names neutralised', () => {
  it('the plan: no raw control character, no forged status line, the names shown as escapes', async () => {
    const { t, cfg } = await setup('plan');
    try {
      const before = await treeHash(t.root);
      const r = await runCli(bundle, ['fix', '--root', t.root, '--config', cfg]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(await treeHash(t.root)).toBe(before);
      expectNoRawControl(r.stdout, 'fix plan');
      expect(statusLines(r.stdout)).toEqual([]);
      expect(r.stdout).toContain('move /tmp/clear\\x1b[2J\\x1b[H to the quarantine');
      expect(r.stdout).toContain('move /tmp/lf\\n  PASS  RG-BUILD-002  nothing here to the quarantine');
      expect(r.stdout).toContain(`  runner:r1\\x1b[2J\\r  PASS  RG-RUN-003  runner:ok: fine: privileged = false`);
      expect(r.stdout).toContain('delete /home/gitlab-runner/actions-runner/_work\\ud800/app/app (');
      // The diff header of a scrubbed .git/config under job-chosen dir names.
      const git = '/home/gitlab-runner/actions-runner/_work\\ud800/lf\\n  PASS  RG-BUILD-002  nothing here/clear\\x1b[2J\\x1b[H/.git/config';
      expect(r.stdout).toContain(`    --- ${git}\n    +++ ${git}\n`);
    } finally {
      await t.remove();
    }
  });

  it('fix --apply and rollback: one step line per quarantined key, nothing raw, the tree back as it was', async () => {
    const { t, cfg } = await setup('apply');
    try {
      const before = await treeHash(t.root);
      const plan = await runCli(bundle, ['fix', 'RG-SSH-001', '--root', t.root, '--config', cfg]);
      const moves = plan.stdout.split('\n').filter((l) => l.startsWith('    move ')).length;
      expect(moves).toBeGreaterThanOrEqual(Object.keys(NAMES).length * 2);
      const applied = await runCli(bundle, ['fix', '--apply', 'RG-SSH-001', '--root', t.root, '--config', cfg]);
      expect([0, 1], applied.stderr).toContain(applied.code);
      for (const text of [applied.stdout, applied.stderr]) expectNoRawControl(text, 'fix --apply');
      // One line per step, and no other line that starts like one but our own summary.
      expect(applied.stdout.split('\n').filter((l) => STEP_LINE.test(l))).toHaveLength(moves);
      for (const l of statusLines(applied.stdout)) expect(l).toMatch(/^applied as run |^(applied|skipped|pending|undone) +RG-SSH-001 \//);
      const back = await runCli(bundle, ['rollback', '--root', t.root, '--config', cfg]);
      for (const text of [back.stdout, back.stderr]) expectNoRawControl(text, 'rollback');
      const undone = statusLines(back.stdout);
      expect(undone).toHaveLength(moves);
      for (const l of undone) expect(l).toMatch(STEP_LINE);
      expect(back.code, back.stderr).toBe(0);
      expect(await treeHash(t.root)).toBe(before);
    } finally {
      await t.remove();
    }
  });
});

describe('logs and error lines', () => {
  it('run (JSON logs on stderr, last-report.json): JSON with nothing raw that keeps the names exactly', async () => {
    const { t, cfg } = await setup('run', '[remediations]\nenable = ["RG-SSH-001", "RG-RUN-003"]\n');
    try {
      const r = await runCli(bundle, ['run', '--root', t.root, '--config', cfg]);
      expect([0, 1], r.stderr).toContain(r.code);
      expectNoRawControl(r.stderr.replace(/\n/g, ''), 'run logs');
      const lines = r.stderr.trim().split('\n').map((l) => JSON.parse(l) as { msg: string; subject?: string });
      const subjects = new Set(lines.filter((l) => l.msg === 'remediation step').map((l) => l.subject));
      expect(subjects.has(`/tmp/${NAMES.csi}`)).toBe(true);
      expect(subjects.has(`runner:${RUNNER_NAMES[2]}`)).toBe(true);
      // The saved report: lossless JSON with nothing raw in its text.
      const saved = readFileSync(path.join(path.dirname(cfg), 'state/last-report.json'), 'utf8');
      expectNoRawControl(saved.replace(/\n$/, ''), 'last-report.json');
      const kept = new Set((JSON.parse(saved) as { findings: Array<{ subject: string }> }).findings.map((f) => f.subject));
      expect(kept.has(`runner:${RUNNER_NAMES[0]}`)).toBe(true);
      expect([...kept].some((x) => x.startsWith('/home/gitlab-runner/actions-runner/_work\ud800'))).toBe(true);
    } finally {
      await t.remove();
    }
  });

  it('run on a terminal (pino-pretty through a real pty): only our colour escapes', async () => {
    const { t, cfg } = await setup('pretty', '[remediations]\nenable = ["RG-SSH-001"]\n');
    try {
      const cmd = [process.execPath, bundle, 'run', '--root', t.root, '--config', cfg].map((a) => `'${a}'`).join(' ');
      // stderr on the pty (pretty logs), stdout away; run exits 1 (findings fail).
      const tty = spawnSync('script', ['-qec', `${cmd} 2>&1 >/dev/null`, '/dev/null'], { encoding: 'utf8', env: { PATH: process.env.PATH, TERM: 'xterm' } }).stdout;
      expect(tty).toContain('remediation step');
      expect(tty).toMatch(/\x1b\[\d+m/);
      expectNoRawControl(tty.replace(/\r\n/g, '\n').replace(/\x1b\[[\d;]*m/g, ''), 'pretty logs');
      expect(tty).toContain('csi\\u009b2J');
    } finally {
      await t.remove();
    }
  });

  it('a path or id on an error line is shown escaped (usage errors, explain)', async () => {
    const missing = path.join(work, 'no\x1b[2J\rPASS\u009b');
    const audit = await runCli(bundle, ['audit', '--root', missing]);
    expect(audit.code).toBe(2);
    expectNoRawControl(audit.stderr, 'audit --root error');
    expect(audit.stderr).toContain('no\\x1b[2J\\rPASS\\u009b: not a directory');
    const explain = await runCli(bundle, ['explain', '\x1b]0;owned\x07']);
    expect(explain.code).toBe(2);
    expectNoRawControl(explain.stderr, 'explain error');
    expect(explain.stderr).toContain('unknown check id "\\x1b]0;owned\\x07"');
    const checks = await runCli(bundle, ['checks']);
    expect(checks.code).toBe(0);
    expectNoRawControl(checks.stdout, 'checks');
  });
});
