import type { Finding, Report } from '../engine/types.js';
import { forXml } from './neutralize.js';

/** XML 1.0 text or attribute value; characters XML cannot carry (U+FFFE, lone surrogates, most C0) shown as escapes. */
export const xmlEscape = forXml;

function testcase(f: Finding): string {
  const name = xmlEscape(`${f.check} ${f.subject}`);
  const classname = xmlEscape(`runnerguard.${f.check}`);
  // One line per value: a name's newline is shown as \n, the lines are ours.
  const body = [f.message, ...f.evidence.map((e) => `- ${e}`), f.remediation.summary ? `fix: ${f.remediation.summary}` : ''].filter(Boolean).map(xmlEscape).join('\n');
  const open = `    <testcase name="${name}" classname="${classname}" time="0">`;
  const waived = f.waived ? `\n      <properties><property name="waived" value="${xmlEscape(f.waived.reason)}"/></properties>` : '';
  switch (f.status) {
    case 'fail':
      if (f.waived) return `${open}${waived}\n      <skipped message="waived: ${xmlEscape(f.waived.reason)}"/>\n    </testcase>`;
      return `${open}\n      <failure message="${xmlEscape(`[${f.severity}] ${f.message}`)}" type="${f.severity}">${body}</failure>\n    </testcase>`;
    case 'error':
      return `${open}\n      <error message="${xmlEscape(f.message)}" type="error">${body}</error>\n    </testcase>`;
    case 'skip':
      return `${open}\n      <skipped message="${xmlEscape(f.message)}"/>\n    </testcase>`;
    case 'warn':
      return `${open}${waived}\n      <system-out>${xmlEscape(`WARN [${f.severity}] `)}${body}</system-out>\n    </testcase>`;
    case 'pass':
      return `${open}</testcase>`;
  }
}

/** JUnit XML: one testsuite per area, one testcase per finding (GitLab shows it as a test report). */
export function formatJunit(report: Report, areaOf: (check: string) => string): string {
  const byArea = new Map<string, Finding[]>();
  for (const f of report.findings) {
    const area = areaOf(f.check);
    // Appended in place: copying the list per finding made 20,000 findings take 20 s.
    const list = byArea.get(area);
    if (list) list.push(f);
    else byArea.set(area, [f]);
  }
  const suites = [...byArea.entries()].map(([area, fs]) => {
    const count = (pred: (f: Finding) => boolean) => fs.filter(pred).length;
    const failures = count((f) => f.status === 'fail' && !f.waived);
    const errors = count((f) => f.status === 'error');
    const skipped = count((f) => f.status === 'skip' || (f.status === 'fail' && Boolean(f.waived)));
    return [
      `  <testsuite name="runnerguard.${xmlEscape(area)}" tests="${fs.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="0" timestamp="${report.startedAt.slice(0, 19)}" hostname="${xmlEscape(report.host.hostname)}">`,
      ...fs.map(testcase),
      '  </testsuite>',
    ].join('\n');
  });
  const s = report.summary;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="runnerguard" tests="${s.total}" failures="${report.findings.filter((f) => f.status === 'fail' && !f.waived).length}" errors="${s.error}" time="${(report.durationMs / 1000).toFixed(3)}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
