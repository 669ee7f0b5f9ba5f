import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../agent/config/schema.js';
import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import { runAudit } from '../../agent/engine/run-checks.js';
import type { Report } from '../../agent/engine/types.js';
import { createHost } from '../../agent/host/index.js';
import { formatReport } from '../../agent/report/index.js';
import { CATALOGUE } from '../../checks/index.js';
import { FixtureTree } from '../helpers/fixture-tree.js';

const NASTY = 'runner:a "b" <c> & d\\e';
let report: Report;

beforeAll(async () => {
  const t = await FixtureTree.create();
  const cfg = defaultConfig();
  cfg.waivers = [{ check: 'RG-T-*', subject: 'runner:waived', reason: 'accepted <risk>' }];
  const meta = CATALOGUE[0]!.meta;
  const check = defineCheck({
    meta: { ...meta, id: 'RG-T-001', area: 'runner', severity: 'high' },
    run: async () => [
      verdict.fail(NASTY, 'bad & "quoted"\nsecond line', ['evidence <1>']),
      verdict.fail('runner:waived', 'waived one'),
      verdict.warn('/etc/gitlab-runner/config.toml', 'risky'),
      verdict.pass('user:root', 'fine'),
      verdict.skip('docker', 'no docker'),
      verdict.error('/etc/x', 'unreadable \u0001 control'),
    ],
  });
  report = await runAudit({ host: createHost({ root: t.root }), config: cfg, checks: [check] });
  await t.remove();
});

const fmt = (f: Parameters<typeof formatReport>[1]) => formatReport(report, f, { color: false });

describe('output formats carry the same findings', () => {
  it('junit: well-formed XML (checked by a real XML parser), one testcase per finding', () => {
    const xml = fmt('junit');
    const py = spawnSync('python3', ['-c', 'import sys, xml.dom.minidom as m; d = m.parseString(sys.stdin.buffer.read()); print(len(d.getElementsByTagName("testcase")), len(d.getElementsByTagName("failure")), len(d.getElementsByTagName("error")), len(d.getElementsByTagName("skipped")))'], { input: xml });
    expect(py.stderr.toString()).toBe('');
    // 6 testcases; 2 failures (the fail and the warn; the waived fail is skipped); 1 error; 2 skipped (skip + waived)
    expect(py.stdout.toString().trim()).toBe('6 2 1 2');
    expect(xml).toContain('<testsuite name="runnerguard.other" tests="6" failures="2" errors="1" skipped="2"');
    expect(xml).toContain('<failure message="WARN [high] risky" type="warning">');
  });

  it('prometheus: HELP/TYPE for every metric, escaped labels, per-finding series for fail/warn/error, waived left out of the aggregates', () => {
    const text = fmt('prometheus');
    const names = [...text.matchAll(/^# TYPE (\S+) (gauge|counter)$/gm)].map((m) => m[1]);
    expect(names).toEqual(expect.arrayContaining(['runnerguard_finding', 'runnerguard_check_findings', 'runnerguard_findings', 'runnerguard_findings_waived', 'runnerguard_score', 'runnerguard_last_run_timestamp_seconds', 'runnerguard_runner_info']));
    for (const n of names) expect(text).toMatch(new RegExp(`^# HELP ${n} .+$`, 'm'));
    expect(text).toContain('runnerguard_finding{check="RG-T-001",severity="high",status="fail",subject="runner:a \\"b\\" <c> & d\\\\e",waived="false"} 1');
    expect(text).toContain('runnerguard_finding{check="RG-T-001",severity="high",status="fail",subject="runner:waived",waived="true"} 1');
    // fail, waived fail, warn, error: pass and skip have no series of their own by default.
    expect(text.match(/^runnerguard_finding\{/gm)).toHaveLength(4);
    expect(text).not.toMatch(/^runnerguard_finding\{.*status="(pass|skip)"/m);
    // The waived fail is in the waived count, not in the fail aggregates.
    expect(text).toMatch(/^runnerguard_check_findings\{check="RG-T-001",severity="high",status="fail"\} 1$/m);
    expect(text).toMatch(/^runnerguard_findings\{status="fail"\} 1$/m);
    expect(text).toMatch(/^runnerguard_findings_waived\{status="fail"\} 1$/m);
    expect(text).toMatch(/^runnerguard_check_findings\{check="RG-T-001",severity="high",status="pass"\} 1$/m);
    expect(text).toMatch(/^runnerguard_score \d+$/m);
    // Opted in: pass and skip get series too.
    const all = formatReport(report, 'prometheus', { color: false, metrics: { perFinding: ['fail', 'warn', 'error', 'pass', 'skip'] } });
    expect(all.match(/^runnerguard_finding\{/gm)).toHaveLength(6);
    // Every sample line is `name{labels} value` or `name value`.
    for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) expect(line).toMatch(/^[a-z_]+(\{.*\})? -?[0-9.e+]+$/);
  });

  it('sarif: version 2.1.0, a rule per catalogue check, results with kinds, levels, locations and suppressions', () => {
    const s = JSON.parse(formatReport(report, 'sarif', { color: false, verbose: true }));
    expect(s.version).toBe('2.1.0');
    const run = s.runs[0];
    expect(run.tool.driver.rules.map((r: { id: string }) => r.id)).toEqual(CATALOGUE.map((c) => c.meta.id));
    expect(run.results).toHaveLength(6);
    const byStatus = Object.fromEntries(run.results.map((r: { kind: string; level: string; properties: { status: string } }) => [r.properties.status, [r.kind, r.level]]));
    expect(byStatus).toMatchObject({ fail: ['fail', 'error'], warn: ['fail', 'warning'], pass: ['pass', 'none'], skip: ['notApplicable', 'none'], error: ['open', 'none'] });
    // Without --verbose: the fail, the waived fail, the warn and the error.
    expect(JSON.parse(fmt('sarif')).runs[0].results.map((r: { properties: { status: string } }) => r.properties.status)).toEqual(['fail', 'fail', 'warn', 'error']);
    const path = run.results.find((r: { properties: { subject: string } }) => r.properties.subject === '/etc/gitlab-runner/config.toml');
    expect(path.locations[0].physicalLocation.artifactLocation).toEqual({ uri: 'etc/gitlab-runner/config.toml', uriBaseId: 'TARGETROOT' });
    expect(run.results.find((r: { suppressions?: unknown }) => r.suppressions).suppressions[0].justification).toBe('accepted <risk>');
  });

  it('ocsf: one Compliance Finding (2003) event per line', () => {
    const lines = fmt('ocsf').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(6);
    for (const e of lines) expect(e).toMatchObject({ class_uid: 2003, category_uid: 2, type_uid: 200300 + e.activity_id, metadata: { product: { name: 'runnerguard' } } });
    expect(lines.map((e) => e.compliance.status)).toEqual(['Fail', 'Fail', 'Warn', 'Pass', 'Not Applicable', 'Warning']);
    expect(lines.map((e) => e.status)).toEqual(['New', 'Suppressed', 'New', 'Resolved', 'Not Applicable', 'New']);
    expect(lines.map((e) => e.severity)).toEqual(['High', 'High', 'High', 'Informational', 'Informational', 'High']);
  });

  it('markdown: summary and a table of what needs attention, pipes escaped', () => {
    const md = fmt('markdown');
    expect(md).toContain('| pass | fail | warn | skip | error | total |');
    expect(md).toContain('| 1 | 2 | 1 | 1 | 1 | 6 |');
    expect(md.split('\n').filter((l) => l.startsWith('| high |'))).toHaveLength(4);
  });
});
