import type { Finding, Report, Severity, Status } from '../engine/types.js';
import { firstUrl, stableId } from './locate.js';
import { jsonSafe } from './neutralize.js';

type Enum = readonly [number, string];

const SEVERITY_ID: Record<Severity, Enum> = {
  info: [1, 'Informational'],
  low: [2, 'Low'],
  medium: [3, 'Medium'],
  high: [4, 'High'],
  critical: [5, 'Critical'],
};

/**
 * compliance.status_id (OCSF 1.1): 1 Pass, 2 Warning ("did not yield a
 * result due to missing information": our error, a check that could not
 * read what it needs), 3 Fail, 99 Other (status carries the source's own
 * word). Our warn is a control met only in part, for a human to judge:
 * neither Pass nor Fail, so Other "Warn"; skip (the control does not apply
 * to this host) is Other "Not Applicable".
 */
const COMPLIANCE: Record<Status, Enum> = {
  pass: [1, 'Pass'],
  error: [2, 'Warning'],
  fail: [3, 'Fail'],
  warn: [99, 'Warn'],
  skip: [99, 'Not Applicable'],
};

/**
 * The finding's own state (status_id: 1 New, 3 Suppressed, 4 Resolved, 99
 * Other) and the activity that reports it. fail, warn and error are open
 * findings (a waiver suppresses a fail or warn). A pass resolves the
 * finding, as Security Hub resolves a finding whose control passes: it is
 * closed, at Informational severity, never a New finding at the check's
 * severity. skip closes it as Other "Not Applicable".
 */
function state(f: Finding): { status: Enum; activity: Enum; severity: Enum } {
  const open: Enum = [1, 'Create'];
  const close: Enum = [3, 'Close'];
  const informational = SEVERITY_ID.info;
  switch (f.status) {
    case 'pass':
      return { status: [4, 'Resolved'], activity: close, severity: informational };
    case 'skip':
      return { status: [99, 'Not Applicable'], activity: close, severity: informational };
    case 'error':
      // Could not be read: not a pass, and as serious as what went unchecked.
      return { status: [1, 'New'], activity: open, severity: SEVERITY_ID[f.severity] };
    case 'fail':
    case 'warn':
      return { status: f.waived ? [3, 'Suppressed'] : [1, 'New'], activity: open, severity: SEVERITY_ID[f.severity] };
  }
}

function event(report: Report, f: Finding) {
  const { status, activity, severity } = state(f);
  const [compliance_status_id, compliance_status] = COMPLIANCE[f.status];
  return {
    class_uid: 2003,
    class_name: 'Compliance Finding',
    category_uid: 2,
    category_name: 'Findings',
    activity_id: activity[0],
    activity_name: activity[1],
    type_uid: 200300 + activity[0],
    type_name: `Compliance Finding: ${activity[1]}`,
    time: Date.parse(report.finishedAt),
    severity_id: severity[0],
    severity: severity[1],
    status_id: status[0],
    status: status[1],
    message: f.message,
    metadata: {
      version: '1.1.0',
      product: { name: 'runnerguard', vendor_name: 'runnerguard', version: report.agent.version },
      correlation_uid: report.id,
    },
    // Stable across runs: a SIEM follows one finding on one host over time, whatever its status.
    finding_info: { uid: stableId(report.host.machineId, f.check, f.subject), title: f.title, desc: f.message, types: ['CI runner hardening'], src_url: firstUrl(f.references) },
    compliance: { control: f.check, standards: ['runnerguard'], status_id: compliance_status_id, status: compliance_status, status_detail: f.message },
    device: { uid: report.host.machineId, hostname: report.host.hostname, type_id: 1, type: 'Server', os: { name: report.host.os, type_id: 200, type: 'Linux' } },
    // OCSF 1.1 Compliance Finding: `resource`, the subject of the compliance check (1.3 added `resources`).
    resource: { name: f.subject, type: 'runner-host-object' },
    // remediation.desc is required: a pass or skip has nothing to remediate, so no remediation.
    ...(f.remediation.summary ? { remediation: { desc: f.remediation.summary, references: f.references } } : {}),
    // The check's own severity and status, whatever the OCSF mapping made of them.
    unmapped: { status: f.status, check_severity: f.severity, evidence: f.evidence, target: report.target, ...(f.waived ? { waived: f.waived } : {}) },
  };
}

/** OCSF 1.1 Compliance Finding (class 2003) events, one JSON object per line. */
export function formatOcsf(report: Report): string {
  return report.findings.map((f) => jsonSafe(JSON.stringify(event(report, f)))).join('\n') + '\n';
}
