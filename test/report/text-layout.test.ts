/**
 * The text report as a person reads it: wrapped with hanging indentation at
 * the terminal's width (COLUMNS honoured, 80 in a pipe), and the same verdict
 * on many runners printed once with the runners listed. A real 20-runner host
 * through the built CLI; names a job chose stay neutralised in the grouped line.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding, Report } from '../../agent/engine/types.js';
import { groupForText } from '../../agent/report/text-group.js';
import { wrap, textWidth } from '../../agent/report/text-wrap.js';
import { buildBundle, runCli } from '../helpers/cli.js';
import { FixtureTree } from '../helpers/fixture-tree.js';
import { FLEET_RUNNERS, fleetHost } from './fleet-host.js';
import { expectNoRawControl, statusLines } from './hostile-output.js';

let bundle: string;
let fleet: FixtureTree;
let report: Report;

beforeAll(async () => {
  bundle = buildBundle();
  fleet = await FixtureTree.create();
  await fleetHost(fleet);
  report = JSON.parse((await runCli(bundle, ['audit', '--root', fleet.root, '--format', 'json'])).stdout) as Report;
}, 120_000);
afterAll(async () => {
  await fleet.remove();
  rmSync(path.dirname(bundle), { recursive: true, force: true });
});

const cps = (l: string) => [...l].length;

/** Every line is blank, the header or summary, a severity heading, a status line, or indented under one. */
function expectHangingIndent(text: string): void {
  const lines = text.trimEnd().split('\n');
  const body = lines.slice(lines.findIndex((l) => l === '') + 1, lines.lastIndexOf(''));
  for (const l of body) expect(l, JSON.stringify(l)).toMatch(/^(|[A-Z]+|  (FAIL |WARN |ERROR|PASS |SKIP ) RG-[A-Z]+-\d{3}(  \S.*)?| {8,}\S.*)$/);
}

describe('text report layout', () => {
  it('a 20-runner host: one line per check and status, every runner listed, far fewer lines; nothing wider than 80 columns in a pipe', async () => {
    const r = await runCli(bundle, ['audit', '--root', fleet.root]);
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    const perRunner = report.findings.filter((f) => f.subject.startsWith('runner:') && f.status !== 'pass' && f.status !== 'skip');
    // One finding per runner per check before grouping; the text lists each verdict once.
    expect(perRunner.filter((f) => f.check === 'RG-RUN-003')).toHaveLength(FLEET_RUNNERS);
    expect(statusLines(r.stdout).filter((l) => l.includes('RG-RUN-003'))).toEqual([expect.stringContaining(`RG-RUN-003  ${FLEET_RUNNERS} runners: `)]);
    const listed = r.stdout.match(/docker-\d\d/g) ?? [];
    for (let i = 1; i <= FLEET_RUNNERS; i++) expect(listed).toContain(`docker-${String(i).padStart(2, '0')}`);
    // Each check's per-runner verdicts make one status line.
    const checks = new Set(perRunner.map((f) => `${f.check} ${f.status}`));
    expect(statusLines(r.stdout).filter((l) => / \d+ runners: /.test(l))).toHaveLength(checks.size);
    // The evidence merges the config lines: the same setting on 20 runners is one evidence line naming each line number.
    expect(r.stdout).toMatch(/- \/etc\/gitlab-runner\/config\.toml: \[runners\.docker\] privileged = true\n\s+\(lines 10, 20, 30,/);
    // Ungrouped this host printed 353 lines (936 rows on an 80-column terminal); grouped and wrapped, far fewer.
    // Grouped, the text grows with the catalogue, not with the runners: the same host with half the runners prints
    // nearly as many lines (ungrouped, twice as few).
    const half = await FixtureTree.create();
    try {
      await fleetHost(half, Array.from({ length: FLEET_RUNNERS / 2 }, (_, i) => `docker-${String(i + 1).padStart(2, '0')}`));
      const halfLines = (await runCli(bundle, ['audit', '--root', half.root])).stdout.trimEnd().split('\n').length;
      console.log(`[text] 20-runner host: ${lines.length} lines at 80 columns; 10 runners: ${halfLines}`);
      expect(lines.length).toBeLessThan(halfLines * 1.3);
    } finally {
      await half.remove();
    }
    expect(perRunner.length).toBeGreaterThanOrEqual(4 * FLEET_RUNNERS);
    for (const l of lines) expect(cps(l), l).toBeLessThanOrEqual(80);
    expectHangingIndent(r.stdout);
  });

  it('COLUMNS sets the width (wider lines, fewer of them); a narrow one still indents every continuation', async () => {
    const wide = await runCli(bundle, ['audit', '--root', fleet.root], { env: { COLUMNS: '140' } });
    const narrow = await runCli(bundle, ['audit', '--root', fleet.root], { env: { COLUMNS: '50' } });
    const w = wide.stdout.trimEnd().split('\n');
    const n = narrow.stdout.trimEnd().split('\n');
    expect(Math.max(...w.map(cps))).toBeGreaterThan(80);
    expect(Math.max(...w.map(cps))).toBeLessThanOrEqual(140);
    expect(Math.max(...n.map(cps))).toBeLessThanOrEqual(50);
    expect(n.length).toBeGreaterThan(w.length);
    expectHangingIndent(wide.stdout);
    expectHangingIndent(narrow.stdout);
  });

  it('runner names a job wrote are neutralised in the grouped "on:" line, and cannot forge a status line when wrapped', async () => {
    const t = await FixtureTree.create();
    try {
      const names = ['ok-1', 'x\x1b[2J\r  PASS  RG-RUN-003  runner:ok: fine', 'y\u202e evil', 'ok-2'];
      await fleetHost(t, names);
      for (const cols of ['40', '57', '80']) {
        const r = await runCli(bundle, ['audit', '--root', t.root], { env: { COLUMNS: cols } });
        expectNoRawControl(r.stdout, `text at ${cols}`);
        expect(r.stdout).toContain('x\\x1b[2J\\r');
        expect(r.stdout).toContain('y\\u202e');
        const groups = statusLines(r.stdout).filter((l) => l.includes('RG-RUN-003'));
        expect(groups).toEqual([expect.stringContaining('RG-RUN-003  4 runners: ')]);
        expectHangingIndent(r.stdout);
      }
    } finally {
      await t.remove();
    }
  });
});

describe('wrap', () => {
  it('hangs continuations at the indent, keeps inner spacing, cuts a word longer than a line', () => {
    expect(wrap('aaa bbb  ccc ddd', 12, '  - ', 4)).toEqual(['  - aaa bbb', '    ccc ddd']);
    expect(wrap('x'.repeat(30), 20, '', 2)).toEqual(['x'.repeat(20), `  ${'x'.repeat(10)}`]);
    expect(wrap('short', 80, '  FAIL  ', 8)).toEqual(['  FAIL  short']);
  });

  it('never starts a continuation with a status word: the previous word, or its last character, comes along', () => {
    const out = wrap('aaaa bbbb cccc dddd eeee ffff PASS  RG-SSH-001  all clear', 40, '  FAIL  ', 8);
    expect(out.slice(1).some((l) => /^\s*(PASS|FAIL)\b/.test(l))).toBe(false);
    const worst = wrap(`ab ${'failed '.repeat(12)}`, 40, '  FAIL  ', 8);
    for (const l of worst.slice(1)) expect(l).not.toMatch(/^\s*failed\b/);
    for (const l of worst) expect(cps(l)).toBeLessThanOrEqual(40);
  });

  it('textWidth: COLUMNS first, then a TTY\'s columns, else 80; never under 40', () => {
    expect(textWidth({ isTTY: true, columns: 132 }, {})).toBe(132);
    expect(textWidth({ isTTY: false, columns: 132 }, {})).toBe(80);
    expect(textWidth({}, { COLUMNS: '100' })).toBe(100);
    expect(textWidth({ isTTY: true, columns: 132 }, { COLUMNS: '90' })).toBe(90);
    expect(textWidth({}, { COLUMNS: 'wide' })).toBe(80);
    expect(textWidth({}, { COLUMNS: '10' })).toBe(40);
  });
});

describe('groupForText', () => {
  const base: Finding = {
    check: 'RG-RUN-003',
    title: 't',
    severity: 'critical',
    status: 'fail',
    subject: 'runner:a',
    message: 'privileged',
    evidence: ['/etc/gitlab-runner/config.toml:10: privileged = true'],
    remediation: { id: null, automated: false, summary: 'set privileged = false' },
    references: ['https://example.org/'],
  };
  const f = (o: Partial<Finding>): Finding => ({ ...base, ...o });

  it('groups runners only where the verdict is the same but for the line numbers; merges those', () => {
    const g = groupForText([
      f({}),
      f({ subject: 'runner:b', evidence: ['/etc/gitlab-runner/config.toml:20: privileged = true'] }),
      f({ subject: 'runner:c', evidence: ['/etc/gitlab-runner/config.toml:30: privileged = "yes"'] }),
      f({ subject: 'runner:d', waived: { reason: 'DinD' } }),
      f({ subject: 'runner:e', status: 'warn' }),
      f({ subject: 'github-runner:/srv/x' }),
      f({ subject: 'github-runner:/srv/y' }),
      f({ subject: '/tmp/k1' }),
      f({ subject: '/tmp/k2' }),
    ]);
    expect(g.map((x) => x.members.map((m) => m.subject))).toEqual([['runner:a', 'runner:b'], ['runner:c'], ['runner:d'], ['runner:e'], ['github-runner:/srv/x', 'github-runner:/srv/y'], ['/tmp/k1'], ['/tmp/k2']]);
    expect(g[0]!.evidence).toEqual(['/etc/gitlab-runner/config.toml: privileged = true (lines 10, 20)']);
    expect(g[0]!.names).toEqual(['a', 'b']);
    expect(g[4]!).toMatchObject({ noun: 'GitHub runners', names: ['/srv/x', '/srv/y'] });
  });

  it('a name cannot smuggle a separator into the grouping key: look-alike messages stay apart', () => {
    const g = groupForText([f({ message: 'x","fail' }), f({ subject: 'runner:b', message: 'x' })]);
    expect(g).toHaveLength(2);
  });
});
