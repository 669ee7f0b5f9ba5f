import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../agent/config/schema.js';
import { runAudit } from '../../agent/engine/run-checks.js';
import type { Finding, Report } from '../../agent/engine/types.js';
import { createHost } from '../../agent/host/index.js';
import { formatReport, FORMATS, type Format } from '../../agent/report/index.js';
import { forTerminal } from '../../agent/report/neutralize.js';
import { textGroups } from '../../agent/report/text.js';
import { CATALOGUE } from '../../checks/index.js';
import { buildBundle, runCli, type CliResult } from '../helpers/cli.js';
import { FixtureTree } from '../helpers/fixture-tree.js';
import { treeHash } from '../helpers/remediation-cases.js';
import { ACTIONS, LOOKALIKES, NAMES, RUNNER_NAMES, hostileHost } from './hostile-host.js';
import { expectNoRawControl, statusLines } from './hostile-output.js';
import { expectValidOcsf } from './ocsf-schema.js';

// Every format of a real audit (the built CLI) of a host where a job chose the
// names: file and dir names, runner names in its config.toml, a .runner.

let bundle: string;
let t: FixtureTree;
let work: string;
const out = {} as Record<Format, CliResult>;
let report: Report;
let hashes: [string, string];
let sarifVerbose: CliResult;

beforeAll(async () => {
  bundle = buildBundle();
  t = await FixtureTree.create();
  await hostileHost(t);
  work = mkdtempSync(path.join(os.tmpdir(), 'rg-hostile-'));
  const before = await treeHash(t.root);
  // Text unwrapped here (COLUMNS): the names are asserted whole; the wrapped layouts are checked below at several widths.
  for (const f of FORMATS) out[f] = await runCli(bundle, ['audit', '--root', t.root, '--format', f, ...(f === 'text' ? ['--verbose'] : [])], { env: { COLUMNS: '2000' } });
  sarifVerbose = await runCli(bundle, ['audit', '--root', t.root, '--format', 'sarif', '--verbose']);
  report = JSON.parse(out.json.stdout);
  hashes = [before, await treeHash(t.root)];
}, 300_000);
afterAll(async () => {
  await t.remove();
  rmSync(work, { recursive: true, force: true });
  rmSync(path.dirname(bundle), { recursive: true, force: true });
});

const shown = (r: Report) => r.findings.filter((f) => f.status === 'fail' || f.status === 'warn' || f.status === 'error');
const subjects = () => new Set(report.findings.map((f) => f.subject));
const LONE_WORK = `${ACTIONS}/_work\ud800`;

describe('a job names files and runners to forge or break reports', () => {
  it('every format exits 1 (failing findings; never 3: nothing throws), nothing on stderr, the host unchanged', () => {
    for (const f of FORMATS) {
      expect(out[f].stderr, f).toBe('');
      expect(out[f].code, f).toBe(1);
    }
    expect(hashes[1]).toBe(hashes[0]);
  });

  it('the findings keep the names exactly (JSON is lossless: lone surrogates, ESC, CR, C1)', () => {
    const s = subjects();
    for (const name of [...Object.values(NAMES), ...LOOKALIKES]) expect(s.has(`/tmp/${name}`), JSON.stringify(name)).toBe(true);
    for (const name of RUNNER_NAMES) expect(s.has(`runner:${name}`), JSON.stringify(name)).toBe(true);
    expect([...s].some((x) => x.startsWith(`${LONE_WORK}/`))).toBe(true);
    expectNoRawControl(out.json.stdout.replace(/\n/g, ''), 'json');
    for (const line of out.ocsf.stdout.trim().split('\n')) expect(JSON.parse(line).class_uid).toBe(2003);
    expectValidOcsf(out.ocsf.stdout);
    expectNoRawControl(out.ocsf.stdout.replace(/\n/g, ''), 'ocsf');
  });

  it('text: no raw control character, and no line but a real finding starts with a status word', () => {
    const text = out.text.stdout;
    expectNoRawControl(text, 'text');
    // --verbose lists every finding, one status line each (the same verdict on several runners shares one): a forged one would make more.
    expect(statusLines(text)).toHaveLength(textGroups(report, true).reduce((n, s) => n + s.groups.length, 0));
    expect(text).toContain(forTerminal(`/tmp/${NAMES.cr}`));
    expect(text).toContain('/tmp/clear\\x1b[2J\\x1b[H: ');
    expect(text).toContain('/tmp/csi\\u009b2J: ');
    expect(text).toContain('_work\\ud800/');
    // Wrapped at any width, a name still never starts a line of its own with a status word, nor at column 0.
    for (let width = 40; width <= 120; width += 7) {
      const wrapped = formatReport(report, 'text', { color: false, verbose: true, width });
      expectNoRawControl(wrapped, `text at ${width} columns`);
      expect(statusLines(wrapped), `${width} columns`).toHaveLength(textGroups(report, true).reduce((n, s) => n + s.groups.length, 0));
      for (const l of wrapped.split('\n')) expect([...l].length, l).toBeLessThanOrEqual(width);
    }
  });

  it('text with colour (the engine, as on a TTY): the only escapes are our own SGR colours', async () => {
    const r = await runAudit({ host: createHost({ root: t.root }), config: defaultConfig(), checks: CATALOGUE });
    const text = formatReport(r, 'text', { color: true, verbose: true });
    expect(text).toMatch(/\x1b\[31m/);
    const plain = text.replace(/\x1b\[\d+m/g, '');
    expectNoRawControl(plain, 'coloured text');
    expect(statusLines(plain)).toHaveLength(textGroups(r, true).reduce((n, s) => n + s.groups.length, 0));
  });

  it('junit: valid XML 1.0 by xmllint, one testcase per finding, names shown escaped', () => {
    const file = path.join(work, 'report.xml');
    writeFileSync(file, out.junit.stdout);
    const lint = spawnSync('xmllint', ['--noout', file], { encoding: 'utf8' });
    expect(lint.stderr).toBe('');
    expect(lint.status).toBe(0);
    expect(execFileSync('xmllint', ['--xpath', 'count(//testcase)', file], { encoding: 'utf8' }).trim()).toBe(String(report.findings.length));
    const names = execFileSync('xmllint', ['--xpath', '//testcase/@name', file], { encoding: 'utf8' });
    expect(names).toContain(`RG-SSH-001 /tmp/nonchar\\ufffe\\uffff"`);
    expect(names).toContain(`RG-SSH-001 /tmp/html&lt;img src=x onerror=alert(1)&gt;&amp;amp;"`);
    // The file attribute (the subject path here) is neutralised the same way.
    const files = execFileSync('xmllint', ['--xpath', '//testcase/@file', file], { encoding: 'utf8' });
    expect(files).toContain(`file="/tmp/nonchar\\ufffe\\uffff"`);
    expect(files).toContain(`file="/tmp/html&lt;img src=x onerror=alert(1)&gt;&amp;amp;"`);
  });

  it('markdown, rendered by cmark-gfm: one row of six cells per finding shown, no link, image or HTML from a name', () => {
    const html = execFileSync('cmark-gfm', ['--unsafe', '-e', 'table', '-e', 'autolink', '-e', 'tagfilter', '-e', 'strikethrough'], { input: out.markdown.stdout, encoding: 'utf8' });
    const tags = new Set([...html.matchAll(/<\/?([a-z0-9]+)/g)].map((m) => m[1]));
    expect([...tags].sort()).toEqual(['code', 'h2', 'p', 'table', 'tbody', 'td', 'th', 'thead', 'tr']);
    const tables = html.split('<table>').slice(1);
    expect(tables).toHaveLength(2);
    const rows = tables[1]!.split('<tbody>')[1]!.split('</tr>').filter((r) => r.includes('<tr>'));
    const want = shown(report);
    expect(rows).toHaveLength(want.length);
    for (const row of rows) expect(row.match(/<td>/g)).toHaveLength(6);
    // Each subject is exactly one cell's code span, neutralised as in the text report.
    const cell = (f: Finding) => `<td><code>${esc(forTerminal(f.subject))}</code></td>`;
    for (const f of want) expect(html, f.subject).toContain(cell(f));
  });

  it('sarif: valid against the SARIF 2.1.0 schema; a lone surrogate becomes %EF%BF%BD in the URI only', () => {
    const sarif = JSON.parse(out.sarif.stdout);
    const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
    addFormats(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(new URL('../fixtures/sarif-schema-2.1.0-rtm.5.json', import.meta.url), 'utf8')));
    validate(sarif);
    expect(validate.errors ?? []).toEqual([]);
    const results = sarif.runs[0].results as Array<{ properties: { subject: string }; locations: Array<{ physicalLocation?: { artifactLocation: { uri: string } } }> }>;
    // Only fail, warn and error results (what needs a look); the others with --verbose, as the CLI passes it.
    expect(results).toHaveLength(shown(report).length);
    expect(results.length).toBeLessThan(report.findings.length);
    const all = JSON.parse(sarifVerbose.stdout);
    validate(all);
    expect(validate.errors ?? []).toEqual([]);
    expect(all.runs[0].results).toHaveLength(report.findings.length);
    const lone = results.find((r) => r.properties.subject.startsWith(`${LONE_WORK}/`))!;
    expect(lone.properties.subject.startsWith(LONE_WORK)).toBe(true);
    expect(lone.locations[0]!.physicalLocation!.artifactLocation.uri).toMatch(/^home\/gitlab-runner\/actions-runner\/_work%EF%BF%BD\//);
    const uri = results.find((r) => r.properties.subject === `/tmp/${NAMES.uri}`)!;
    // `#` and `?` stay in the path: no fragment or query is made of a name.
    expect(uri.locations[0]!.physicalLocation!.artifactLocation.uri).toBe('tmp/uri%23frag%3Fq%3D1%2541%3Ba%3Db');
    // Look-alike names are two findings to code scanning too: their fingerprints differ.
    const fps = LOOKALIKES.map((n) => results.find((r) => r.properties.subject === `/tmp/${n}`) as unknown as { partialFingerprints: Record<string, string> });
    expect(fps[0]!.partialFingerprints['runnerguardFinding/v1']).not.toBe(fps[1]!.partialFingerprints['runnerguardFinding/v1']);
    expectNoRawControl(out.sarif.stdout.replace(/\n/g, ''), 'sarif');
  });

  it('prometheus: no duplicate series (look-alike names merge), accepted by promtool and by node_exporter', async () => {
    const text = out.prometheus.stdout;
    expectNoRawControl(text.replace(/\n/g, ''), 'prometheus');
    const samples = text.split('\n').filter((l) => l && !l.startsWith('#'));
    const LABEL = String.raw`[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"`;
    const SAMPLE = new RegExp(String.raw`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{${LABEL}(?:,${LABEL})*\})? (-?[0-9.e+]+)$`);
    for (const s of samples) expect(s).toMatch(SAMPLE);
    const series = samples.map((s) => s.replace(/ [^ ]+$/, ''));
    expect(new Set(series).size).toBe(series.length);
    expect(series.filter((s) => s.includes('subject="/tmp/dup\\\\x1b"'))).toHaveLength(1);
    // Job-chosen runner names as runner_info label values: one series each, escapes visible, nothing raw.
    const info = series.filter((s) => s.startsWith('runnerguard_runner_info{'));
    expect(info.length).toBeGreaterThanOrEqual(RUNNER_NAMES.length);
    expect(info.some((s) => s.includes('runner="r1\\\\x1b[2J\\\\r  PASS  RG-RUN-003  runner:ok: fine"'))).toBe(true);
    if (spawnSync('promtool', ['--version']).status === 0) {
      const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      expect(check.stdout + check.stderr).toBe('');
      expect(check.status).toBe(0);
    }
    const body = await scrapeTextfile(text);
    expect(body).toMatch(/^node_textfile_scrape_error 0$/m);
    expect(body.match(/^runnerguard_finding\{/gm)).toHaveLength(series.filter((s) => s.startsWith('runnerguard_finding{')).length);
  });
});

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The text served by a real prometheus-node-exporter from a textfile dir holding `text`. */
async function scrapeTextfile(text: string): Promise<string> {
  const dir = path.join(work, 'textfile');
  execFileSync('mkdir', ['-p', dir]);
  writeFileSync(path.join(dir, 'runnerguard.prom'), text);
  const { spawn } = await import('node:child_process');
  const net = await import('node:net');
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as import('node:net').AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  const exporter = spawn('prometheus-node-exporter', [`--web.listen-address=127.0.0.1:${port}`, `--collector.textfile.directory=${dir}`, '--collector.disable-defaults', '--collector.textfile'], { stdio: 'ignore' });
  try {
    for (let i = 0; i < 100; i++) {
      const r = spawnSync('curl', ['-fsS', '--max-time', '5', `http://127.0.0.1:${port}/metrics`], { encoding: 'utf8' });
      if (r.status === 0) return r.stdout;
      await new Promise((res) => setTimeout(res, 100));
    }
    throw new Error('node_exporter did not answer');
  } finally {
    exporter.kill('SIGKILL');
  }
}
