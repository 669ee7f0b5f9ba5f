import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs build script without types
import { PROMETHEUS_FILES, stageTree } from '../../scripts/package/stage.mjs';
import { runCli } from '../helpers/cli.js';
import { FixtureTree } from '../helpers/fixture-tree.js';

// The shipped Prometheus rules: valid (promtool check rules), doing what
// their tests say (promtool test rules), installed by both packages; and the
// textfile they read, made by the built CLI from a host whose runner names a
// job chose, accepted by promtool check metrics.

const REPO = path.resolve(__dirname, '../..');
const DIR = path.join(REPO, 'packaging/prometheus');
const RULES = path.join(DIR, 'runnerguard.rules.yml');
let work: string;
let bundle: string;
let metafile: string;

beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'rg-promrules-'));
  bundle = path.join(work, 'runnerguard.mjs');
  metafile = path.join(work, 'meta.json');
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO, env: { ...process.env, RUNNERGUARD_OUTFILE: bundle, RUNNERGUARD_METAFILE: metafile }, stdio: 'ignore' });
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const promtool = (args: string[], opts: { cwd?: string; input?: string } = {}) => spawnSync('promtool', args, { encoding: 'utf8', ...opts });

describe('packaging/prometheus/runnerguard.rules.yml', () => {
  it('promtool check rules: clean', () => {
    const r = promtool(['check', 'rules', RULES]);
    expect({ code: r.status, err: r.stderr }).toEqual({ code: 0, err: '' });
    expect(r.stdout).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('promtool test rules runnerguard.rules.test.yml: every case passes', () => {
    const r = promtool(['test', 'rules', 'runnerguard.rules.test.yml'], { cwd: DIR });
    expect({ code: r.status, out: r.stdout + r.stderr }).toEqual({ code: 0, out: expect.stringContaining('SUCCESS') });
  });

  it('alerts with exactly the documented names', () => {
    const names = [...readFileSync(RULES, 'utf8').matchAll(/^\s*- alert: (\S+)$/gm)].map((m) => m[1]);
    expect(names).toEqual(['RunnerguardCriticalFinding', 'RunnerguardAuditStale', 'RunnerguardDeliveryFailing', 'RunnerguardClonedRunnerToken']);
  });

  it('both packages install it under /usr/share/runnerguard/prometheus/ (0644), the rpm spec lists what is staged', () => {
    const root = path.join(work, 'root');
    stageTree({ repo: REPO, root, bundle, metafile, version: '0.0.0-test' });
    const spec = readFileSync(path.join(REPO, 'packaging/rpm/runnerguard.spec.in'), 'utf8');
    expect(PROMETHEUS_FILES).toContain('runnerguard.rules.yml');
    for (const f of PROMETHEUS_FILES as string[]) {
      const installed = path.join(root, 'usr/share/runnerguard/prometheus', f);
      expect(statSync(installed).mode & 0o7777).toBe(0o644);
      expect(readFileSync(installed, 'utf8')).toBe(readFileSync(path.join(DIR, f), 'utf8'));
      expect(spec).toContain(`%attr(0644,root,root) /usr/share/runnerguard/prometheus/${f}\n`);
    }
    for (const d of ['usr/share/runnerguard', 'usr/share/runnerguard/prometheus']) {
      expect(statSync(path.join(root, d)).mode & 0o7777).toBe(0o755);
      expect(spec).toContain(`%dir %attr(0755,root,root) /${d}\n`);
    }
  });
});

describe('packaging/prometheus/runnerguard-dashboard.json (Grafana)', () => {
  const dash = JSON.parse(readFileSync(path.join(DIR, 'runnerguard-dashboard.json'), 'utf8')) as {
    uid: string;
    panels: Array<{ id: number; title: string; gridPos: object; targets: Array<{ expr: string; refId: string }> }>;
  };

  it('parses, every panel has a unique id, a position and at least one query', () => {
    expect(dash.uid).toBe('runnerguard-fleet');
    expect(new Set(dash.panels.map((p) => p.id)).size).toBe(dash.panels.length);
    for (const p of dash.panels) {
      expect(p.gridPos, p.title).toBeDefined();
      expect(p.targets.length, p.title).toBeGreaterThan(0);
    }
  });

  it('every PromQL expression in it is accepted by promtool, and reads only series and rules that exist', () => {
    const exprs = dash.panels.flatMap((p) => p.targets.map((t) => t.expr));
    const rules = `groups:\n  - name: dashboard\n    rules:\n${exprs.map((e, i) => `      - record: dashboard:expr_${i}\n        expr: ${JSON.stringify(e)}\n`).join('')}`;
    const file = path.join(work, 'dashboard.rules.yml');
    writeFileSync(file, rules);
    const r = promtool(['check', 'rules', file]);
    expect({ code: r.status, err: r.stderr }).toEqual({ code: 0, err: '' });
    expect(r.stdout).toContain(`SUCCESS: ${exprs.length} rules found`);
    // Names used: our series (README "Metrics") or a recording rule of the shipped file.
    const shipped = readFileSync(RULES, 'utf8');
    const recorded = new Set([...shipped.matchAll(/- record: (\S+)/g)].map((m) => m[1]));
    const names = new Set(exprs.flatMap((e) => [...e.matchAll(/\b([a-z_]+:[a-z_:0-9]+|runnerguard_[a-z_]+)\b/g)].map((m) => m[1]!)));
    expect(names.size).toBeGreaterThan(10);
    const series = readFileSync(path.join(REPO, 'agent/report/prometheus.ts'), 'utf8');
    for (const n of names) expect(recorded.has(n) || series.includes(`'${n}'`), n).toBe(true);
  });
});

describe('promtool check metrics on a textfile made by the built CLI', () => {
  it('audit --root FIXTURE --format prometheus --output F: clean, 0644, job-chosen runner names cannot break it', async () => {
    const t = await FixtureTree.create();
    try {
      await t.useradd('gitlab-runner', { uid: 999 });
      await t.file('/usr/bin/gitlab-runner', '', { mode: 0o755 });
      // The runner's own config (its home, a job can write it): names with quotes, newlines, braces.
      const names = ['x"} 1\nrunnerguard_score 100\n', 'a}b{c="d"', 'back\\slash\\', '\u202eevil\u0000'];
      const toml = names.map((n, i) => `[[runners]]\n  name = ${JSON.stringify(n)}\n  token = "glrt-cli-${i}-0123456789"\n  executor = "docker"\n  [runners.docker]\n    privileged = true\n`).join('');
      await t.file('/home/gitlab-runner/.gitlab-runner/config.toml', toml, { mode: 0o600, uid: 999, gid: 999 });
      const out = path.join(work, 'runnerguard.prom');
      const r = await runCli(bundle, ['audit', '--root', t.root, '--format', 'prometheus', '--output', out]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(1);
      const text = readFileSync(out, 'utf8');
      expect(statSync(out).mode & 0o777).toBe(0o644);
      const check = promtool(['check', 'metrics'], { input: text });
      expect({ code: check.status, out: check.stdout + check.stderr }).toEqual({ code: 0, out: '' });
      expect(text.match(/^runnerguard_runner_info\{/gm)).toHaveLength(names.length);
      expect(text.match(/^runnerguard_score /gm)).toHaveLength(1);
      expect(text).toContain('runner="x\\"} 1\\\\nrunnerguard_score 100\\\\n"');
      expect(text).not.toContain('0123456789');
    } finally {
      await t.remove();
    }
  });
});
