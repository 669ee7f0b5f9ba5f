import { SEVERITIES, type Report, type Status } from '../engine/types.js';
import { mdCode, mdText } from './neutralize.js';

const ICON: Record<Status, string> = { fail: '❌ fail', error: '⚠️ error', warn: '🟡 warn', pass: '✅ pass', skip: '➖ skip' };

/**
 * A summary table for a pipeline job page or a merge request comment. What a
 * job can name (subjects, messages, evidence, the host) is in code spans, so
 * it can add no row, cell, link, image, HTML or @-mention; our own prose is
 * escaped with mdText.
 */
export function formatMarkdown(report: Report): string {
  const s = report.summary;
  const out = [
    `## runnerguard: ${mdCode(report.host.hostname, { cell: false })} — score ${s.score}/100`,
    '',
    `${mdText(report.host.os)}, ${report.target.live ? 'live host' : `root ${mdCode(report.target.root, { cell: false })}`}, ${mdText(report.finishedAt)}`,
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
    const status = f.waived ? `${ICON[f.status]} (waived: ${mdText(f.waived.reason)})` : ICON[f.status];
    const fix = f.remediation.automated ? `${mdText(f.remediation.summary)} (${mdCode(`runnerguard fix --only ${f.check}`)})` : mdText(f.remediation.summary);
    out.push(`| ${mdText(f.severity)} | ${status} | ${mdText(f.check)} | ${mdCode(f.subject)} | ${mdCode(f.message)} | ${fix} |`);
  }
  out.push('');
  return out.join('\n');
}
