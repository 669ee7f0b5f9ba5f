import { SEVERITIES, type Report, type Severity, type Status } from '../engine/types.js';
import { term } from './neutralize.js';
import { groupForText, type TextGroup } from './text-group.js';
import { wrap } from './text-wrap.js';

export { textWidth } from './text-wrap.js';

export interface TextOptions {
  color: boolean;
  /** Also list pass and skip findings. */
  verbose?: boolean;
  /** Columns to wrap at (textWidth); 80 when unset. */
  width?: number;
}

const CODES: Record<Status | 'dim' | 'bold', string> = {
  fail: '31',
  error: '35',
  warn: '33',
  pass: '32',
  skip: '2',
  dim: '2',
  bold: '1',
};

/** True when stdout is a terminal and NO_COLOR (https://no-color.org) is unset or empty. */
export function wantColor(stream: { isTTY?: boolean }, env = process.env): boolean {
  return Boolean(stream.isTTY) && !env.NO_COLOR && env.TERM !== 'dumb';
}

function paint(on: boolean, code: keyof typeof CODES, s: string): string {
  return on ? `\u001b[${CODES[code]}m${s}\u001b[0m` : s;
}

/** Columns where the parts of a finding start; continuations hang at these. */
const COL = { message: 8, detail: 10, evidence: 12, fix: 15, runners: 14 } as const;

/** One status line with its evidence and fix, wrapped; several runners with the same verdict share it. */
function groupLines(g: TextGroup, color: boolean, width: number): string[] {
  const f = g.lead;
  const many = g.members.length > 1;
  const tag = f.status.toUpperCase().padEnd(5);
  const lead = `  ${tag} `;
  // Every value goes through `term`: a name cannot colour, move, clear or start a line.
  const subject = many ? `${g.members.length} ${g.noun}` : term`${f.subject}`;
  const waived = f.waived ? term` [waived: ${f.waived.reason}${f.waived.expires ? `, until ${f.waived.expires}` : ''}]` : '';
  const head = wrap(term`${f.check}  ` + subject + term`: ${f.message}` + waived, width, lead, COL.message);
  head[0] = `  ${paint(color, f.status, tag)} ${head[0]!.slice(lead.length)}`;
  const out = [...head];
  const detail = ' '.repeat(COL.detail);
  if (many) out.push(...wrap(term`on: ${g.names.join(', ')}`, width, detail, COL.runners));
  for (const e of g.evidence) out.push(...wrap(term`- ${e}`, width, detail, COL.evidence).map((l) => paint(color, 'dim', l)));
  if ((f.status === 'fail' || f.status === 'warn') && f.remediation.summary) {
    const auto = f.remediation.automated ? term` (automated: runnerguard fix --only ${f.check})` : '';
    out.push(...wrap(term`fix: ${f.remediation.summary}` + auto, width, detail, COL.fix));
  }
  return out;
}

const SHOWN: Status[] = ['fail', 'error', 'warn'];

/** The status lines the text report prints, by severity, worst first: one per group. */
export function textGroups(report: Report, verbose = false): Array<{ severity: Severity; groups: TextGroup[] }> {
  const shown = verbose ? [...SHOWN, 'pass', 'skip'] : SHOWN;
  return SEVERITIES.map((severity) => {
    const findings = report.findings
      .filter((f) => f.severity === severity && shown.includes(f.status))
      .sort((a, b) => shown.indexOf(a.status) - shown.indexOf(b.status) || a.check.localeCompare(b.check));
    return { severity, groups: groupForText(findings) };
  }).filter((s) => s.groups.length > 0);
}

/**
 * Findings grouped by severity, worst first, then one summary line with the
 * score. Lines wrap at `width` with hanging indentation; the same verdict on
 * several runners is one line listing them.
 */
export function formatText(report: Report, opts: TextOptions): string {
  const { color } = opts;
  const width = opts.width ?? 80;
  const out: string[] = [];
  const target = report.target.live ? 'live host' : term`root ${report.target.root}`;
  out.push(...wrap(term`runnerguard ${report.agent.version}: ${report.host.hostname} (${report.host.os}), ` + target, width, '', 2).map((l) => paint(color, 'bold', l)));
  for (const { severity, groups } of textGroups(report, opts.verbose)) {
    out.push('', paint(color, 'bold', severity.toUpperCase()));
    for (const g of groups) out.push(...groupLines(g, color, width));
  }
  const s = report.summary;
  const checks = new Set(report.findings.map((f) => f.check)).size;
  const waived = report.findings.filter((f) => f.waived).length;
  out.push(
    '',
    ...wrap(
      `${checks} checks, ${s.total} findings: ${s.pass} pass, ${s.fail} fail, ${s.warn} warn, ${s.skip} skip, ${s.error} error` +
        `${waived ? `, ${waived} waived` : ''}; score ${s.score}/100 (${report.durationMs} ms)`,
      width,
      '',
      2,
    ),
  );
  if (!opts.verbose && s.pass + s.skip > 0) out.push(...wrap('pass and skip findings hidden; --verbose lists them', width, '', 2).map((l) => paint(color, 'dim', l)));
  return out.join('\n') + '\n';
}
