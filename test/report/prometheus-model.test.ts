import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../agent/config/schema.js';
import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import { runAudit } from '../../agent/engine/run-checks.js';
import type { Report } from '../../agent/engine/types.js';
import { createHost } from '../../agent/host/index.js';
import { formatPrometheus, MAX_FINDING_SERIES_PER_CHECK, MAX_RUNNER_SERIES } from '../../agent/report/prometheus.js';
import { CATALOGUE } from '../../checks/index.js';
import { FixtureTree } from '../helpers/fixture-tree.js';

// The fleet metrics model on real audits of fixture hosts: bounded series
// whatever a job writes (runner names, paths), valid exposition (promtool),
// runner token fingerprints, per-finding caps.

const EVIL = 'evil"} 1\nrunnerguard_score 100\n# TYPE x counter\n\\';
let t: FixtureTree;
let report: Report;
const fp = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 12);

function promtoolCheck(text: string): string {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return `${r.status} ${r.stdout}${r.stderr}`;
}

beforeAll(async () => {
  t = await FixtureTree.create();
  await t.file('/usr/bin/gitlab-runner', '', { mode: 0o755 });
  // 150 runners (a config a job can write may hold any number): the second and third share a token.
  const runners = Array.from({ length: 150 }, (_, i) => `[[runners]]\n  name = ${JSON.stringify(i === 0 ? EVIL : `r${i}`)}\n  token = "glrt-${i === 2 ? 1 : i}-abcdefghij"\n  executor = "docker"\n`);
  await t.file('/etc/gitlab-runner/config.toml', runners.join(''), { mode: 0o600 });
  await t.file('/srv/gh/.runner', JSON.stringify({ agentId: 42, agentName: 'gh-one', gitHubUrl: 'https://github.com/org' }));
  const config = defaultConfig();
  config.github.runner_dirs = ['/srv/gh'];
  // A check a job can flood: 300 failing findings with long, distinct names.
  const flood = defineCheck({
    meta: { ...CATALOGUE[0]!.meta, id: 'RG-T-FLOOD', severity: 'high' },
    run: async () => ['/', 'user:', 'x:'].flatMap((kind) => Array.from({ length: 100 }, (_, i) => verdict.fail(`${kind}${'a'.repeat(300)}${i}`, 'flooded'))),
  });
  report = await runAudit({ host: createHost({ root: t.root }), config, checks: [...CATALOGUE, flood] });
}, 120_000);
afterAll(async () => {
  await t.remove();
});

describe('fleet metrics model', () => {
  it('runner_info: one series per runner up to the cap, neutralised names, token fingerprints (never the token)', () => {
    const text = formatPrometheus(report);
    const info = text.split('\n').filter((l) => l.startsWith('runnerguard_runner_info{'));
    expect(info).toHaveLength(MAX_RUNNER_SERIES);
    expect(text).toMatch(/^runnerguard_runners\{kind="gitlab"\} 150$/m);
    expect(text).toMatch(/^runnerguard_runners\{kind="github"\} 1$/m);
    expect(info[0]).toBe(`runnerguard_runner_info{runner="evil\\"} 1\\\\nrunnerguard_score 100\\\\n# TYPE x counter\\\\n\\\\",kind="gitlab",token_fingerprint="${fp('glrt-0-abcdefghij')}"} 1`);
    expect(info.filter((l) => l.includes(`token_fingerprint="${fp('glrt-1-abcdefghij')}"`))).toHaveLength(2);
    expect(text).not.toContain('abcdefghij');
    // The injected line never starts a line of its own.
    expect(text.match(/^runnerguard_score /gm)).toHaveLength(1);
    expect(promtoolCheck(text)).toBe('0 ');
  });

  it('an Actions runner: fingerprint of its registration (instance URL and agent id)', () => {
    const gh = report.runners!.find((r) => r.kind === 'github');
    expect(gh).toEqual({ kind: 'github', name: 'gh-one', fingerprint: fp('https://github.com/org#42') });
  });

  it('per-finding series are capped per check; long names are cut with a hash; the aggregates count everything', () => {
    const text = formatPrometheus(report);
    const flood = text.split('\n').filter((l) => l.startsWith('runnerguard_finding{check="RG-T-FLOOD"'));
    expect(flood).toHaveLength(MAX_FINDING_SERIES_PER_CHECK);
    expect(Number(/^runnerguard_finding_series_omitted (\d+)$/m.exec(text)![1])).toBeGreaterThanOrEqual(200);
    expect(text).toMatch(/^runnerguard_check_findings\{check="RG-T-FLOOD",severity="high",status="fail"\} 300$/m);
    const subjects = flood.map((l) => /subject="([^"]*)"/.exec(l)![1]!);
    expect(new Set(subjects).size).toBe(subjects.length);
    for (const s of subjects) expect(s).toMatch(/^.{1,210}…[0-9a-f]{8}$/u);
    expect(promtoolCheck(text)).toBe('0 ');
  });

  it('series per host stay bounded: no per-finding series for pass and skip', () => {
    const text = formatPrometheus(report);
    expect(text).not.toMatch(/^runnerguard_finding\{[^}]*status="(pass|skip)"/m);
    const series = text.split('\n').filter((l) => l && !l.startsWith('#')).length;
    // checks x their statuses, 100 runners, 1000 per-finding series at most, a few dozen singles.
    expect(series).toBeLessThan(CATALOGUE.length * 3 + 100 + 1000 + 50);
  });

  it('series per host (README "Metrics"): a bare host and a 20-runner host, measured', async () => {
    const count = async (runners: number) => {
      const h = await FixtureTree.create();
      try {
        if (runners > 0) {
          await h.useradd('gitlab-runner', { uid: 999 });
          await h.file('/usr/bin/gitlab-runner', '', { mode: 0o755 });
          const toml = Array.from({ length: runners }, (_, i) => `[[runners]]\n  name = "r${i}"\n  token = "glrt-${i}-0123456789"\n  executor = "docker"\n  [runners.docker]\n    privileged = ${i % 2 === 0}\n`).join('');
          await h.file('/etc/gitlab-runner/config.toml', toml, { mode: 0o600 });
        }
        const r = await runAudit({ host: createHost({ root: h.root }), config: defaultConfig(), checks: CATALOGUE });
        const delivery = { spooled: 0, rejected: 0, oldestAgeSeconds: 0, dropped: 0, rejectedTotal: 0, lastSuccessSeconds: 0 };
        const samples = formatPrometheus(r, { delivery, auditIntervalSeconds: 1800 }).split('\n').filter((l) => l && !l.startsWith('#'));
        const of = (name: string) => samples.filter((l) => l.startsWith(`${name}{`)).length;
        return { total: samples.length, perFinding: of('runnerguard_finding'), byCheck: of('runnerguard_check_findings'), runners: of('runnerguard_runner_info') };
      } finally {
        await h.remove();
      }
    };
    const bare = await count(0);
    const twenty = await count(20);
    console.log(`[metrics] series per host: bare ${JSON.stringify(bare)}, 20 runners ${JSON.stringify(twenty)}, catalogue ${CATALOGUE.length} checks`);
    // The fixed part: 24 series whatever the host (totals, waived, score, times, runners by kind, delivery, info).
    for (const c of [bare, twenty]) expect(c.total - c.perFinding - c.byCheck - c.runners).toBe(24);
    expect(bare.perFinding).toBe(0);
    expect(twenty.runners).toBe(20);
    // By check: one series per (check, severity, status) seen, never more than the catalogue's checks x 5 statuses.
    expect(bare.byCheck).toBeLessThanOrEqual(CATALOGUE.length * 5);
    expect(twenty.perFinding).toBeLessThanOrEqual(MAX_FINDING_SERIES_PER_CHECK * CATALOGUE.length);
  });
});
