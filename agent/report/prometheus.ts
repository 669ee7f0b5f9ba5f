import { STATUSES, type Report } from '../engine/types.js';
import { forPromLabel } from './neutralize.js';

/** Figures about delivery that are not part of a report (from the state dir). */
export interface SpoolFigures {
  spooled: number;
  dropped: number;
}

const label = forPromLabel;

/**
 * One sample per label set: two findings whose labels coincide (the same
 * subject twice, or two names that read the same once neutralised) share a
 * series. A duplicate series makes node_exporter reject the whole file.
 */
function metric(name: string, help: string, type: 'gauge' | 'counter', samples: Array<[string, number]>): string[] {
  const unique = new Map(samples);
  return [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...[...unique].map(([labels, v]) => `${name}${labels} ${v}`)];
}

/** Prometheus text exposition, for node_exporter's textfile collector. */
export function formatPrometheus(report: Report, spool: SpoolFigures = { spooled: 0, dropped: 0 }): string {
  const findings = report.findings.map((f): [string, number] => [
    `{check="${label(f.check)}",severity="${f.severity}",status="${f.status}",subject="${label(f.subject)}"}`,
    1,
  ]);
  const counts = STATUSES.map((s): [string, number] => [`{status="${s}"}`, report.summary[s]]);
  const lines = [
    ...metric('runnerguard_finding', 'Findings of the last audit (value 1), one series per check, severity, status and subject.', 'gauge', findings),
    ...metric('runnerguard_findings', 'Findings of the last audit by status.', 'gauge', counts),
    ...metric('runnerguard_score', 'Hardening score of the last audit (0-100, README "Score").', 'gauge', [['', report.summary.score]]),
    ...metric('runnerguard_last_run_timestamp_seconds', 'When the last audit finished (Unix time).', 'gauge', [['', Date.parse(report.finishedAt) / 1000]]),
    ...metric('runnerguard_audit_duration_seconds', 'How long the last audit took.', 'gauge', [['', report.durationMs / 1000]]),
    ...metric('runnerguard_spool_reports', 'Reports waiting in the spool for the collector.', 'gauge', [['', spool.spooled]]),
    ...metric('runnerguard_reports_dropped_total', 'Reports dropped from a full spool (oldest first) since the state dir was created.', 'counter', [['', spool.dropped]]),
    ...metric('runnerguard_info', 'Agent version and target.', 'gauge', [[`{version="${label(report.agent.version)}",hostname="${label(report.host.hostname)}",live="${report.target.live}"}`, 1]]),
  ];
  return lines.join('\n') + '\n';
}
