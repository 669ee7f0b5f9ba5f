import { CATALOGUE } from '../../checks/index.js';
import type { Check, Finding, Report, Severity } from '../engine/types.js';
import { jsonSafe, uriPath } from './neutralize.js';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', info: 'note' };
// GitHub code scanning reads this to rank security results (0.0-10.0).
const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', info: '0.0' };

function rule(c: Check) {
  const m = c.meta;
  const urls = m.references.filter((r) => r.startsWith('https://'));
  const help = [m.remediation.summary, '', 'References:', ...m.references.map((r) => `- ${r}`)].join('\n');
  return {
    id: m.id,
    name: m.title.replace(/[^A-Za-z0-9]+(.)?/g, (_s, ch: string | undefined) => (ch ? ch.toUpperCase() : '')),
    shortDescription: { text: m.title },
    fullDescription: { text: m.rationale },
    help: { text: help, markdown: help },
    ...(urls[0] ? { helpUri: urls[0] } : {}),
    defaultConfiguration: { level: LEVEL[m.severity] },
    properties: { tags: ['security', m.area], 'security-severity': SECURITY_SEVERITY[m.severity], references: m.references },
  };
}

/** SARIF results carry every status: `kind` says pass/fail/notApplicable, `level` only matters for failures. */
function result(f: Finding, ruleIndex: number) {
  const kind = { fail: 'fail', warn: 'review', pass: 'pass', skip: 'notApplicable', error: 'open' }[f.status];
  const level = f.status === 'fail' ? LEVEL[f.severity] : f.status === 'warn' ? 'warning' : 'none';
  const location = f.subject.startsWith('/')
    ? { physicalLocation: { artifactLocation: { uri: uriPath(f.subject.slice(1)), uriBaseId: 'TARGETROOT' } } }
    : { logicalLocations: [{ fullyQualifiedName: f.subject, kind: 'resource' }] };
  return {
    ruleId: f.check,
    ruleIndex,
    kind,
    level,
    message: { text: f.message },
    locations: [location],
    properties: { status: f.status, severity: f.severity, subject: f.subject, evidence: f.evidence },
    ...(f.waived ? { suppressions: [{ kind: 'external', status: 'accepted', justification: f.waived.reason }] } : {}),
  };
}

/** SARIF 2.1.0: one rule per check of the catalogue, one result per finding. */
export function formatSarif(report: Report): string {
  const rules = CATALOGUE.map(rule);
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const root = report.target.root.endsWith('/') ? report.target.root : `${report.target.root}/`;
  const sarif = {
    $schema: 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'runnerguard', version: report.agent.version, semanticVersion: report.agent.version, rules } },
        automationDetails: { id: `runnerguard/${report.host.hostname}/`, guid: report.id },
        originalUriBaseIds: { TARGETROOT: { uri: `file://${uriPath(root)}` } },
        invocations: [{ executionSuccessful: true, startTimeUtc: report.startedAt, endTimeUtc: report.finishedAt }],
        results: report.findings.map((f) => result(f, index.get(f.check) ?? -1)),
        properties: { host: report.host, summary: report.summary },
      },
    ],
  };
  // Strings stay as the job wrote them (JSON escapes lone surrogates); jsonSafe escapes C1 and bidi characters too.
  return jsonSafe(JSON.stringify(sarif, null, 2)) + '\n';
}
