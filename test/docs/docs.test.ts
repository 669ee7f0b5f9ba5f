/**
 * README.md and runnerguard(8) carry the interface without this repository's
 * neighbours, and stay in step with the code: every command, option, output
 * format, exit code, config key (with its type and default), metric and
 * report field the code has is in both. The man page renders through groff
 * and man -l without a warning.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { USAGE } from '../../agent/cli/args.js';
import { defaultConfig, SECTIONS, WAIVER_SCHEMA, type FieldType } from '../../agent/config/schema.js';
import { FORMATS } from '../../agent/report/index.js';
import { formatPrometheus } from '../../agent/report/prometheus.js';
import type { Report } from '../../agent/engine/types.js';
import { checkOptionSchemas } from '../../checks/index.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const README = readFileSync(path.join(REPO, 'README.md'), 'utf8');
const MAN_FILE = path.join(REPO, 'packaging/runnerguard.8');
const MAN_SRC = readFileSync(MAN_FILE, 'utf8');

function render(): { text: string; stderr: string; status: number | null } {
  const r = spawnSync('man', ['--warnings', '-l', MAN_FILE], { encoding: 'utf8', env: { PATH: process.env.PATH, MANWIDTH: '80', LANG: 'C.UTF-8', MANPAGER: 'cat', PAGER: 'cat' } });
  return { text: r.stdout, stderr: r.stderr, status: r.status };
}
const MAN = render().text;
/** The rendered page as one line: wrapping and indentation do not split what a test looks for. */
const MAN_FLAT = MAN.replace(/\s+/g, ' ');
/** A rendered section, from its heading to the next. */
function manSection(name: string): string {
  const m = new RegExp(`^${name}\\n([\\s\\S]*?)(?=^[A-Z][A-Z ]+\\n)`, 'm').exec(MAN);
  expect(m, name).not.toBeNull();
  return m![1]!.replace(/\s+/g, ' ');
}

const commands = [...USAGE.split('commands:')[1]!.split('\n\n')[0]!.matchAll(/^ {2}([a-z]+(?: check)?)/gm)].map((m) => m[1]!);
const options = [...new Set([...USAGE.matchAll(/--[a-z][a-z-]+/g)].map((m) => m[0]).concat(['--apply', '--verbose', '--version', '--help']))];

const TYPE: Record<FieldType, string> = { string: 'string', 'string[]': 'array of strings', integer: 'integer', boolean: 'boolean', date: 'date' };

interface Key {
  table: string;
  key: string;
  type: FieldType;
  /** The default as the docs spell it; undefined where there is none to check. */
  def?: string;
  required?: boolean;
}

function keys(): Key[] {
  const d = defaultConfig() as unknown as Record<string, Record<string, unknown>>;
  const out: Key[] = [];
  for (const [table, schema] of Object.entries(SECTIONS)) {
    for (const [key, type] of Object.entries(schema.fields)) {
      const v = d[table]?.[key];
      const def = v === undefined ? 'unset' : Array.isArray(v) ? JSON.stringify(v) : String(v);
      out.push({ table: `[${table}]`, key, type, def });
    }
  }
  for (const [key, type] of Object.entries(WAIVER_SCHEMA.fields)) {
    const required = WAIVER_SCHEMA.required?.includes(key);
    out.push({ table: '[[waivers]]', key, type, required, def: required ? undefined : 'unset' });
  }
  for (const [id, opts] of Object.entries(checkOptionSchemas())) for (const [key, type] of Object.entries(opts)) out.push({ table: `[checks.${id}]`, key, type });
  return out;
}

describe('docs carry the interface', () => {
  it('the README opens with its two commands, unchanged', () => {
    const blocks = [...README.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!.trim());
    expect(blocks.slice(0, 2)).toEqual(['npm ci && npm run build && node dist/runnerguard.mjs audit', 'npm ci && npm test']);
  });

  it('nothing points outside the repository: no sibling paths, seed or course material; every relative link exists', () => {
    for (const [name, text] of [['README.md', README], ['runnerguard.8', MAN_SRC]] as const) {
      expect(text, name).not.toMatch(/shared\/|\.\.\/|\bseeds?\b|\bModule \d|\bLesson \d|\bspec\/interface/i);
    }
    const links = [...README.matchAll(/\]\(([^)#\s]+)[^)]*\)/g)].map((m) => m[1]!).filter((l) => !/^[a-z]+:/.test(l));
    for (const l of links) expect(existsSync(path.join(REPO, l)), l).toBe(true);
  });

  it('every command: a README row and a man page section', () => {
    expect(commands).toEqual(expect.arrayContaining(['audit', 'checks', 'explain', 'config check', 'run', 'deliver', 'fix', 'rollback', 'daemon']));
    for (const c of commands) {
      expect(README, c).toMatch(new RegExp(`^\\| \`runnerguard ${c}\\b`, 'm'));
      expect(MAN_SRC, c).toMatch(new RegExp(`^\\.SS "?${c}"?$`, 'm'));
      expect(MAN, c).toMatch(new RegExp(`^ {3}${c}$`, 'm'));
    }
  });

  it('every option, output format and exit code is in both', () => {
    for (const o of options) {
      expect(README, o).toContain(`\`${o}`);
      expect(MAN_FLAT, o).toContain(o);
    }
    for (const f of FORMATS) {
      expect(README, f).toMatch(new RegExp(`\`${f}\``));
      expect(manSection('OUTPUT FORMATS'), f).toMatch(new RegExp(`\\b${f}\\b`));
    }
    for (const code of ['0', '1', '2', '3']) {
      expect(README).toMatch(new RegExp(`^\\| \`${code}\` \\|`, 'm'));
      expect(MAN).toMatch(new RegExp(`^ {7}${code}\\s`, 'm'));
    }
  });

  it('every config key, with its type and default: a README table row and a man page entry', () => {
    const all = keys();
    expect(all.length).toBeGreaterThan(25);
    const config = manSection('CONFIGURATION');
    for (const k of all) {
      const row = README.split('\n').find((l) => l.startsWith(`| \`${k.key}\` |`) && README.indexOf(l) > README.indexOf(`**\`${k.table}\`**`));
      expect(row, `${k.table} ${k.key} in README`).toBeDefined();
      expect(row!.split(' | ')[1], `${k.key} type`).toBe(TYPE[k.type]);
      if (k.required) expect(row, k.key).toContain('| required |');
      if (k.def !== undefined) expect(row!.split(' | ')[2]!.replace(/`/g, ''), `${k.key} default`).toMatch(new RegExp(`^"?${k.def.replace(/[*[\]]/g, '\\$&')}"?( |$)`));
      // Man: "key (type...) Default value."
      expect(config, `${k.table} ${k.key} in the man page`).toMatch(new RegExp(`\\b${k.key} \\(${TYPE[k.type]}[,)]`));
      if (k.required) expect(config).toMatch(new RegExp(`\\b${k.key} \\(${TYPE[k.type]}, required\\)`));
      if (k.def !== undefined) expect(config, `${k.key} default in the man page`).toMatch(new RegExp(`\\b${k.key} \\(${TYPE[k.type]}\\) Default "?${k.def.replace(/[*[\]]/g, '\\$&')}"?[.:]`));
    }
    for (const table of new Set(all.map((k) => k.table))) {
      expect(README).toContain(`**\`${table}\`**`);
      expect(MAN_SRC).toMatch(new RegExp(`^\\.SS ${table.replace(/[[\]]/g, '\\$&').replace(/RG-[A-Z]+-\d+/, '\\\\fIID\\\\fP')}$`, 'm'));
    }
  });

  it('every metric and every report field is documented in both', () => {
    const report = { agent: { version: '0' }, host: { hostname: 'h' }, target: { live: true }, summary: { pass: 0, fail: 0, warn: 0, skip: 0, error: 0, score: 100 }, findings: [], finishedAt: new Date(0).toISOString(), durationMs: 0 } as unknown as Report;
    const metrics = [...formatPrometheus(report).matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]!);
    expect(metrics.length).toBeGreaterThan(5);
    const readmeMetrics = README.slice(README.indexOf('\n## Metrics\n'), README.indexOf('\n## ', README.indexOf('\n## Metrics\n') + 1));
    for (const m of metrics) {
      expect(readmeMetrics, m).toContain(`| \`${m}\` |`);
      expect(manSection('METRICS'), m).toContain(m);
    }
    const schema = JSON.parse(readFileSync(path.join(REPO, 'docs/report.schema.json'), 'utf8'));
    const fields = [...Object.keys(schema.properties), ...Object.keys(schema.$defs.finding.properties)];
    const readmeReport = README.slice(README.indexOf('\n## Report\n'), README.indexOf('\n## ', README.indexOf('\n## Report\n') + 1));
    for (const f of fields) {
      expect(readmeReport, f).toMatch(new RegExp(`\\b${f}\\b`));
      expect(manSection('REPORT'), f).toMatch(new RegExp(`\\b${f}\\b`));
    }
  });
});

describe('runnerguard(8) renders cleanly', () => {
  it('groff -man -ww: no warning', () => {
    const r = spawnSync('groff', ['-man', '-Tutf8', '-ww', '-z', MAN_FILE], { encoding: 'utf8' });
    expect({ code: r.status, err: r.stderr }).toEqual({ code: 0, err: '' });
  });

  it('MANWIDTH=80 man --warnings -l: no warning, no line past 80 columns, every section there', () => {
    const r = render();
    expect({ code: r.status, err: r.stderr }).toEqual({ code: 0, err: '' });
    for (const l of r.text.split('\n')) expect([...l].length, l).toBeLessThanOrEqual(80);
    const sections = [...r.text.matchAll(/^([A-Z][A-Z ]+)$/gm)].map((m) => m[1]);
    expect(sections).toEqual(['NAME', 'SYNOPSIS', 'DESCRIPTION', 'COMMANDS', 'COMMON OPTIONS', 'OUTPUT FORMATS', 'REPORT', 'CONFIGURATION', 'DELIVERY', 'METRICS', 'EXIT STATUS', 'ENVIRONMENT', 'FILES', 'EXAMPLES', 'SECURITY MODEL', 'SEE ALSO']);
  });
});
