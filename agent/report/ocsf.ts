import { createHash } from 'node:crypto';
import type { Finding, Report, Severity, Status } from '../engine/types.js';
import { jsonSafe } from './neutralize.js';

const SEVERITY_ID: Record<Severity, [number, string]> = {
  info: [1, 'Informational'],
  low: [2, 'Low'],
  medium: [3, 'Medium'],
  high: [4, 'High'],
  critical: [5, 'Critical'],
};

// OCSF compliance.status_id: 0 Unknown, 1 Pass, 2 Warning, 3 Fail, 99 Other.
const COMPLIANCE: Record<Status, [number, string]> = {
  pass: [1, 'Pass'],
  warn: [2, 'Warning'],
  fail: [3, 'Fail'],
  error: [0, 'Unknown'],
  skip: [99, 'Not Applicable'],
};

function event(report: Report, f: Finding) {
  const [severity_id, severity] = SEVERITY_ID[f.severity];
  const [status_id, status] = COMPLIANCE[f.status];
  // Stable across runs: a SIEM can follow one finding on one host over time.
  const uid = createHash('sha256').update(`${report.host.machineId}|${f.check}|${f.subject}`).digest('hex').slice(0, 32);
  return {
    class_uid: 2003,
    class_name: 'Compliance Finding',
    category_uid: 2,
    category_name: 'Findings',
    activity_id: 1,
    activity_name: 'Create',
    type_uid: 200301,
    type_name: 'Compliance Finding: Create',
    time: Date.parse(report.finishedAt),
    severity_id,
    severity,
    status_id: f.waived ? 3 : 1,
    status: f.waived ? 'Suppressed' : 'New',
    message: f.message,
    metadata: {
      version: '1.1.0',
      product: { name: 'runnerguard', vendor_name: 'runnerguard', version: report.agent.version },
      correlation_uid: report.id,
    },
    finding_info: { uid, title: f.title, desc: f.message, types: ['CI runner hardening'], src_url: f.references.find((r) => r.startsWith('https://')) },
    compliance: { control: f.check, standards: ['runnerguard'], status_id, status, status_detail: f.message },
    device: { hostname: report.host.hostname, type_id: 1, type: 'Server', os: { name: report.host.os, type_id: 200, type: 'Linux' } },
    resources: [{ name: f.subject, type: 'runner-host-object' }],
    remediation: { desc: f.remediation.summary, references: f.references },
    unmapped: { evidence: f.evidence, target: report.target, ...(f.waived ? { waived: f.waived } : {}) },
  };
}

/** OCSF 1.1 Compliance Finding (class 2003) events, one JSON object per line. */
export function formatOcsf(report: Report): string {
  return report.findings.map((f) => jsonSafe(JSON.stringify(event(report, f)))).join('\n') + '\n';
}
