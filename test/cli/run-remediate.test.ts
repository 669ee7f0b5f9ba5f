import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unifiedDiff } from '../../agent/remediate/render.js';
import { CONFIG_PATH, runner, runnerHost } from '../checks/runner/fixture.js';
import { buildBundle, runCli } from '../helpers/cli.js';
import { FixtureTree } from '../helpers/fixture-tree.js';
import { treeHash } from '../helpers/remediation-cases.js';

/**
 * `runnerguard run` applies the remediations enabled in config, and only
 * those: on a fixture root, with the built bundle, as the timer would run it.
 */
const changedLines = (a: string, b: string) => unifiedDiff('a', 'b', a, b).split('\n').slice(2).filter((l) => /^[-+]/.test(l));

interface Logged {
  msg: string;
  [k: string]: unknown;
}
const logLines = (stderr: string): Logged[] =>
  stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Logged);

let bundle: string;
let t: FixtureTree;
let work: string;
let initial: string;

function config(name: string, extra: string): string {
  const file = path.join(work, name);
  writeFileSync(file, `[agent]\nstate_dir = "${work}/state"\n\n[metrics]\ntextfile = "${work}/runnerguard.prom"\n${extra}`, { mode: 0o600 });
  return file;
}
const journalRuns = () => {
  try {
    return readdirSync(path.join(work, 'state', 'journal')).sort();
  } catch {
    return [];
  }
};
const lastReport = () => JSON.parse(readFileSync(path.join(work, 'state', 'last-report.json'), 'utf8')) as { findings: Array<{ check: string; status: string; subject: string }> };
const statusOf = (check: string) => lastReport().findings.filter((f) => f.check === check).map((f) => f.status);

beforeAll(async () => {
  bundle = buildBundle();
  t = await FixtureTree.create();
  await runnerHost(t, runner('build-docker', 'docker', '\t[runners.docker]\n\t\timage = "alpine:3"\n\t\tprivileged = true # dind\n\t\tpull_policy = "if-not-present"\n'));
  await t.file(CONFIG_PATH, readFileSync(t.p(CONFIG_PATH)), { mode: 0o644 });
  await t.groupadd('docker', 996);
  await t.addToGroup('gitlab-runner', 'docker');
  work = mkdtempSync(path.join(os.tmpdir(), 'rg-run-fix-'));
  initial = await treeHash(t.root);
});
afterAll(async () => {
  await t.remove();
  rmSync(work, { recursive: true, force: true });
  rmSync(path.dirname(bundle), { recursive: true, force: true });
});

describe('runnerguard run with [remediations] enable (built bundle, fixture root)', () => {
  it('without enable, run changes nothing on the host', async () => {
    const r = await runCli(bundle, ['run', '--root', t.root, '--config', config('none.toml', '')]);
    expect(r.code, r.stderr).toBe(1);
    expect(await treeHash(t.root)).toBe(initial);
    expect(journalRuns()).toEqual([]);
    expect(statusOf('RG-RUN-002')).toEqual(['fail']);
    expect(statusOf('RG-RUN-005')).toEqual(['warn']);
    expect(statusOf('RG-DOCKER-001')).toEqual(['warn']);
  });

  it('applies exactly the enabled remediations, journals them, and reports the host as it is afterwards', async () => {
    const cfg = config('enabled.toml', '\n[remediations]\nenable = ["RG-RUN-002", "RG-RUN-005", "RG-DOCKER-001"]\n');
    const original = readFileSync(t.p(CONFIG_PATH), 'utf8');
    const r = await runCli(bundle, ['run', '--root', t.root, '--config', cfg]);
    // RG-RUN-003 (privileged) is not enabled: it still fails, so the run does.
    expect(r.code, r.stderr).toBe(1);
    const logs = logLines(r.stderr);
    const applied = logs.find((l) => l.msg === 'remediations applied');
    expect(applied, r.stderr).toBeDefined();
    expect(applied!.remediations).toEqual(['RG-RUN-002', 'RG-RUN-005', 'RG-DOCKER-001']);
    expect(logs.filter((l) => l.msg === 'remediation step').map((l) => [l.remediation, l.state])).toEqual([
      ['RG-RUN-002', 'applied'],
      ['RG-RUN-005', 'applied'],
      ['RG-DOCKER-001', 'applied'],
    ]);
    expect(journalRuns()).toEqual([applied!.runId]);

    expect(statSync(t.p(CONFIG_PATH)).mode & 0o7777).toBe(0o600);
    expect(changedLines(original, readFileSync(t.p(CONFIG_PATH), 'utf8'))).toEqual(['-\t\tpull_policy = "if-not-present"', '+\t\tpull_policy = ["always"]']);
    // The saved (and delivered) report is the audit after the changes.
    expect(statusOf('RG-RUN-002')).toEqual(['pass']);
    expect(statusOf('RG-RUN-005')).toEqual(['pass']);
    // Read afresh after the change: /etc/group no longer lists the runner user.
    expect(statusOf('RG-DOCKER-001')).toEqual(['pass']);
    expect(readFileSync(t.p('/etc/group'), 'utf8')).toMatch(/^docker:x:996:$/m);
    expect(statusOf('RG-RUN-003')).toEqual(['fail']);
    const prom = readFileSync(path.join(work, 'runnerguard.prom'), 'utf8');
    expect(prom).toMatch(/^runnerguard_check_findings\{check="RG-RUN-005",severity="medium",status="pass"\} 1$/m);
    expect(prom).not.toMatch(/^runnerguard_(check_)?findings?\{check="RG-RUN-005",[^}]*status="fail"/m);
  });

  it('the next run finds nothing to do, and rollback restores the host byte for byte', async () => {
    const cfg = config('enabled.toml', '\n[remediations]\nenable = ["RG-RUN-002", "RG-RUN-005", "RG-DOCKER-001"]\n');
    const before = await treeHash(t.root);
    const r = await runCli(bundle, ['run', '--root', t.root, '--config', cfg]);
    expect(r.code, r.stderr).toBe(1);
    expect(logLines(r.stderr).map((l) => l.msg)).not.toContain('remediations applied');
    expect(journalRuns()).toHaveLength(1);
    expect(await treeHash(t.root)).toBe(before);

    const rb = await runCli(bundle, ['rollback', '--root', t.root, '--config', cfg]);
    expect(rb.code, rb.stderr).toBe(0);
    expect(await treeHash(t.root)).toBe(initial);
  });

  it('a refused remediation is logged with its reason; the cycle goes on and changes nothing', async () => {
    // No firewall in the fixture: RG-NET-002 fails, and its remediation refuses an offline root (tables live in a kernel).
    const cfg = config('refused.toml', '\n[remediations]\nenable = ["RG-NET-002"]\n');
    const r = await runCli(bundle, ['run', '--root', t.root, '--config', cfg]);
    expect(r.code, r.stderr).toBe(1);
    const refused = logLines(r.stderr).find((l) => l.msg === 'remediation refused');
    expect(refused, r.stderr).toMatchObject({ remediation: 'RG-NET-002', level: 40 });
    expect(String(refused!.reason)).toContain('applied on a live host only');
    expect(statusOf('RG-NET-002')).toEqual(['fail', 'fail']);
    expect(journalRuns()).toHaveLength(1);
    expect(logLines(r.stderr).map((l) => l.msg)).toContain('run finished');
    expect(await treeHash(t.root)).toBe(initial);
  });

  it('an id without automated remediation in enable is a config error with file:line, before anything runs', async () => {
    const cfg = config('bad.toml', '\n[remediations]\nenable = ["RG-RUN-002", "RG-RUN-001", "RG-NOPE-9"]\n');
    for (const argv of [
      ['run', '--root', t.root, '--config', cfg],
      ['config', 'check', '--config', cfg],
    ]) {
      const r = await runCli(bundle, argv);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${cfg}:8: remediations.enable: "RG-RUN-001", "RG-NOPE-9" have no automated remediation (automated: `);
    }
    expect(await treeHash(t.root)).toBe(initial);
  });
});
