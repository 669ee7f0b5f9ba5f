import type { Finding, Report } from '../engine/types.js';
import { evidenceLocations } from './locate.js';
import { forXml } from './neutralize.js';

/** XML 1.0 text or attribute value; characters XML cannot carry (U+FFFE, lone surrogates, most C0) shown as escapes. */
export const xmlEscape = forXml;

/** Seconds, as JUnit's `time` attribute has it. */
const seconds = (ms: number) => (ms / 1000).toFixed(3);

/** Counted as a failure: GitLab's test report lists failures and errors, and a passed testcase hides a WARN. */
const failing = (f: Finding) => (f.status === 'fail' || f.status === 'warn') && !f.waived;
const skipped = (f: Finding) => f.status === 'skip' || ((f.status === 'fail' || f.status === 'warn') && Boolean(f.waived));

function testcase(f: Finding, ms: number): string {
  const name = xmlEscape(`${f.check} ${f.subject}`);
  const classname = xmlEscape(`runnerguard.${f.check}`);
  // One line per value: a name's newline is shown as \n, the lines are ours.
  const body = [f.message, ...f.evidence.map((e) => `- ${e}`), f.remediation.summary ? `fix: ${f.remediation.summary}` : ''].filter(Boolean).map(xmlEscape).join('\n');
  // The file its evidence starts with (config.toml:24), else the subject when it is a path.
  const at = evidenceLocations(f, 1)[0];
  const file = at ? at.file : f.subject.startsWith('/') ? f.subject : undefined;
  const fileAttrs = file === undefined ? '' : ` file="${xmlEscape(file)}"${at ? ` line="${at.line}"` : ''}`;
  // Every testcase of a check carries the check's time: the check found them all in one run.
  const open = `    <testcase name="${name}" classname="${classname}"${fileAttrs} time="${seconds(ms)}">`;
  const waived = f.waived ? `\n      <properties><property name="waived" value="${xmlEscape(f.waived.reason)}"/></properties>` : '';
  switch (f.status) {
    case 'fail':
    case 'warn': {
      if (f.waived) return `${open}${waived}\n      <skipped message="waived: ${xmlEscape(f.waived.reason)}"/>\n    </testcase>`;
      // type says fail from warn: `critical`, `high`... for a fail, `warning` for a warn (its severity is in the message).
      const type = f.status === 'warn' ? 'warning' : f.severity;
      const tag = f.status === 'warn' ? 'WARN ' : '';
      return `${open}\n      <failure message="${xmlEscape(`${tag}[${f.severity}] ${f.message}`)}" type="${type}">${body}</failure>\n    </testcase>`;
    }
    case 'error':
      return `${open}\n      <error message="${xmlEscape(f.message)}" type="error">${body}</error>\n    </testcase>`;
    case 'skip':
      return `${open}\n      <skipped message="${xmlEscape(f.message)}"/>\n    </testcase>`;
    case 'pass':
      return `${open}</testcase>`;
  }
}

/**
 * JUnit XML: one testsuite per area, one testcase per finding (GitLab shows
 * it as a test report). fail and warn are failures (`type="warning"` for a
 * warn), error is an error, skip and waived findings are skipped.
 */
export function formatJunit(report: Report, areaOf: (check: string) => string): string {
  const durations = report.checkDurationsMs ?? {};
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
    // A suite took as long as its checks, each counted once however many findings it made.
    const ms = [...new Set(fs.map((f) => f.check))].reduce((sum, id) => sum + (durations[id] ?? 0), 0);
    return [
      `  <testsuite name="runnerguard.${xmlEscape(area)}" tests="${fs.length}" failures="${count(failing)}" errors="${count((f) => f.status === 'error')}" skipped="${count(skipped)}" time="${seconds(ms)}" timestamp="${report.startedAt.slice(0, 19)}" hostname="${xmlEscape(report.host.hostname)}">`,
      ...fs.map((f) => testcase(f, durations[f.check] ?? 0)),
      '  </testsuite>',
    ].join('\n');
  });
  const s = report.summary;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="runnerguard" tests="${s.total}" failures="${report.findings.filter(failing).length}" errors="${s.error}" skipped="${report.findings.filter(skipped).length}" time="${seconds(report.durationMs)}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
