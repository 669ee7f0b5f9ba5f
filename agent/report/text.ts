import { SEVERITIES, type Finding, type Report, type Status } from '../engine/types.js';
import { term } from './neutralize.js';

export interface TextOptions {
  color: boolean;
  /** Also list pass and skip findings. */
  verbose?: boolean;
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

function line(f: Finding, color: boolean): string[] {
  const tag = paint(color, f.status, f.status.toUpperCase().padEnd(5));
  // Every value goes through `term`: a name cannot colour, move, clear or start a line.
  const waived = f.waived ? paint(color, 'dim', term` [waived: ${f.waived.reason}${f.waived.expires ? `, until ${f.waived.expires}` : ''}]`) : '';
  const out = [`  ${tag} ${term`${f.check}  ${f.subject}: ${f.message}`}${waived}`];
  for (const e of f.evidence) out.push(paint(color, 'dim', term`          - ${e}`));
  if ((f.status === 'fail' || f.status === 'warn') && f.remediation.summary) {
    const auto = f.remediation.automated ? term` (automated: runnerguard fix --only ${f.check})` : '';
    out.push(term`          fix: ${f.remediation.summary}` + auto);
  }
  return out;
}

const SHOWN: Status[] = ['fail', 'error', 'warn'];

/** Findings grouped by severity, worst first, then one summary line with the score. */
export function formatText(report: Report, opts: TextOptions): string {
  const { color } = opts;
  const shown = opts.verbose ? [...SHOWN, 'pass', 'skip'] : SHOWN;
  const out: string[] = [];
  const target = report.target.live ? 'live host' : term`root ${report.target.root}`;
  out.push(paint(color, 'bold', term`runnerguard ${report.agent.version}: ${report.host.hostname} (${report.host.os}), ` + target));
  for (const sev of SEVERITIES) {
    const group = report.findings
      .filter((f) => f.severity === sev && shown.includes(f.status))
      .sort((a, b) => shown.indexOf(a.status) - shown.indexOf(b.status) || a.check.localeCompare(b.check));
    if (group.length === 0) continue;
    out.push('', paint(color, 'bold', `${sev.toUpperCase()}`));
    for (const f of group) out.push(...line(f, color));
  }
  const s = report.summary;
  const checks = new Set(report.findings.map((f) => f.check)).size;
  const waived = report.findings.filter((f) => f.waived).length;
  out.push(
    '',
    `${checks} checks, ${s.total} findings: ${s.pass} pass, ${s.fail} fail, ${s.warn} warn, ${s.skip} skip, ${s.error} error` +
      `${waived ? `, ${waived} waived` : ''}; score ${s.score}/100 (${report.durationMs} ms)`,
  );
  if (!opts.verbose && s.pass + s.skip > 0) out.push(paint(color, 'dim', 'pass and skip findings hidden; --verbose lists them'));
  return out.join('\n') + '\n';
}
