import { SEVERITIES, type Report, type Status } from '../engine/types.js';

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

const ICON: Record<Status, string> = { fail: '❌ fail', error: '⚠️ error', warn: '🟡 warn', pass: '✅ pass', skip: '➖ skip' };

/** A summary table for a pipeline job page or a merge request comment. */
export function formatMarkdown(report: Report): string {
  const s = report.summary;
  const out = [
    `## runnerguard: ${cell(report.host.hostname)} — score ${s.score}/100`,
    '',
    `${report.host.os}, ${report.target.live ? 'live host' : `root \`${report.target.root}\``}, ${report.finishedAt}`,
    '',
    '| pass | fail | warn | skip | error | total |',
    '| ---: | ---: | ---: | ---: | ---: | ---: |',
    `| ${s.pass} | ${s.fail} | ${s.warn} | ${s.skip} | ${s.error} | ${s.total} |`,
    '',
  ];
  const shown = report.findings
    .filter((f) => f.status === 'fail' || f.status === 'warn' || f.status === 'error')
    .sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) || a.check.localeCompare(b.check));
  if (shown.length === 0) {
    out.push('No failing, warning or error findings.', '');
    return out.join('\n');
  }
  out.push('| severity | status | check | subject | finding | fix |', '| --- | --- | --- | --- | --- | --- |');
  for (const f of shown) {
    const status = f.waived ? `${ICON[f.status]} (waived: ${cell(f.waived.reason)})` : ICON[f.status];
    const fix = f.remediation.automated ? `${cell(f.remediation.summary)} (\`runnerguard fix --only ${f.check}\`)` : cell(f.remediation.summary);
    out.push(`| ${f.severity} | ${status} | ${f.check} | \`${cell(f.subject)}\` | ${cell(f.message)} | ${fix} |`);
  }
  out.push('');
  return out.join('\n');
}
