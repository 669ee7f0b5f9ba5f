import { CATALOGUE } from '../../checks/index.js';
import type { Check, Finding, Report, Severity, Status } from '../engine/types.js';
import { HOMEPAGE } from '../version.js';
import { evidenceLocations, firstUrl, stableId } from './locate.js';
import { jsonSafe, uriPath } from './neutralize.js';

export interface SarifOptions {
  /** Also list pass and skip results (code-scanning UIs list every result they are given). */
  verbose?: boolean;
}

/** What needs a look; the rest only with --verbose. */
const SHOWN: readonly Status[] = ['fail', 'warn', 'error'];

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', info: 'note' };
// GitHub code scanning reads this to rank security results (0.0-10.0).
const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', info: '0.0' };

function rule(c: Check) {
  const m = c.meta;
  const url = firstUrl(m.references);
  const help = [m.remediation.summary, '', 'References:', ...m.references.map((r) => `- ${r}`)].join('\n');
  return {
    id: m.id,
    name: m.title.replace(/[^A-Za-z0-9]+(.)?/g, (_s, ch: string | undefined) => (ch ? ch.toUpperCase() : '')),
    shortDescription: { text: m.title },
    fullDescription: { text: m.rationale },
    help: { text: help, markdown: help },
    ...(url ? { helpUri: url } : {}),
    defaultConfiguration: { level: LEVEL[m.severity] },
    properties: { tags: ['security', m.area], 'security-severity': SECURITY_SEVERITY[m.severity], references: m.references },
  };
}

/**
 * Where a result is: the file:line its evidence starts with (a region
 * code-scanning UIs can show), else the subject's path, else the subject as
 * a logical location (runner:NAME, docker). The subject rides along as a
 * logical location whenever it is not the file itself.
 */
function locations(f: Finding) {
  const logical = { logicalLocations: [{ fullyQualifiedName: f.subject, kind: 'resource' }] };
  const artifact = (p: string) => ({ uri: uriPath(p.slice(1)), uriBaseId: 'TARGETROOT' });
  const at = evidenceLocations(f);
  if (at.length > 0) {
    return at.map((l) => ({ physicalLocation: { artifactLocation: artifact(l.file), region: { startLine: l.line } }, ...(f.subject === l.file ? {} : logical) }));
  }
  if (f.subject.startsWith('/')) return [{ physicalLocation: { artifactLocation: artifact(f.subject) } }];
  return [logical];
}

/**
 * SARIF says a result whose kind is not `fail` has level `none`: a warn is
 * a `fail` at level `warning` (properties.status keeps `warn`), an error is
 * `open` (the check could not decide).
 */
function result(f: Finding, ruleIndex: number) {
  const kind = { fail: 'fail', warn: 'fail', pass: 'pass', skip: 'notApplicable', error: 'open' }[f.status];
  const level = f.status === 'fail' ? LEVEL[f.severity] : f.status === 'warn' ? 'warning' : 'none';
  return {
    ruleId: f.check,
    ruleIndex,
    kind,
    level,
    message: { text: f.message },
    locations: locations(f),
    // Same check, same subject: the same alert on every run (the message may carry ages and counts).
    partialFingerprints: { 'runnerguardFinding/v1': stableId(f.check, f.subject) },
    properties: { status: f.status, severity: f.severity, subject: f.subject, evidence: f.evidence },
    ...(f.waived ? { suppressions: [{ kind: 'external', status: 'accepted', justification: f.waived.reason }] } : {}),
  };
}

/** SARIF 2.1.0: one rule per check of the catalogue, one result per fail, warn and error finding (every finding with `verbose`). */
export function formatSarif(report: Report, opts: SarifOptions = {}): string {
  const rules = CATALOGUE.map(rule);
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const root = report.target.root.endsWith('/') ? report.target.root : `${report.target.root}/`;
  const findings = opts.verbose ? report.findings : report.findings.filter((f) => SHOWN.includes(f.status));
  const sarif = {
    $schema: 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'runnerguard', informationUri: HOMEPAGE, version: report.agent.version, semanticVersion: report.agent.version, rules } },
        automationDetails: { id: `runnerguard/${report.host.hostname}/`, guid: report.id },
        originalUriBaseIds: { TARGETROOT: { uri: `file://${uriPath(root)}` } },
        invocations: [{ executionSuccessful: true, startTimeUtc: report.startedAt, endTimeUtc: report.finishedAt }],
        results: findings.map((f) => result(f, index.get(f.check) ?? -1)),
        // summary counts every finding; listedStatuses says which of them are results here.
        properties: { host: report.host, summary: report.summary, listedStatuses: opts.verbose ? ['fail', 'warn', 'error', 'pass', 'skip'] : SHOWN },
      },
    ],
  };
  // Strings stay as the job wrote them (JSON escapes lone surrogates); jsonSafe escapes C1 and bidi characters too.
  return jsonSafe(JSON.stringify(sarif, null, 2)) + '\n';
}
