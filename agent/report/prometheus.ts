import { MAX_FINDINGS_PER_KIND } from '../engine/cap.js';
import { severityRank, STATUSES, type Finding, type Report, type Status } from '../engine/types.js';
import { boundedLabel, labelSet, metric, type Sample } from './prom-labels.js';
import { forPromLabel } from './neutralize.js';

/**
 * The Prometheus textfile (README "Metrics"). Fleet questions are answered
 * by aggregates that leave waived findings out; one series per finding only
 * for the statuses someone acts on (fail, warn, error by default); a label
 * per runner token fingerprint; delivery health. Every series set is
 * bounded, whatever a job writes on the host.
 */

/** Delivery figures (agent/delivery/health.ts), as the metrics show them. */
export interface DeliveryFigures {
  spooled: number;
  rejected: number;
  oldestAgeSeconds: number;
  dropped: number;
  rejectedTotal: number;
  lastSuccessSeconds: number;
}

export interface MetricsOptions {
  /** Statuses with one series per finding (default fail, warn, error). */
  perFinding?: readonly string[];
  /** Longest gap of the audit schedule (RunnerguardAuditStale compares against twice this). */
  auditIntervalSeconds?: number | null;
  /** [metrics] spool_alert_age_ms, in seconds (RunnerguardDeliveryFailing). */
  spoolAlertAgeSeconds?: number;
  /** [report] url is set. */
  deliveryConfigured?: boolean;
  /** null: the state dir could not be read under the trust rules (then runnerguard_delivery_state_ok 0). */
  delivery?: DeliveryFigures | null;
}

/** Per-finding series of one check, and of the whole file (the omitted ones are counted). */
export const MAX_FINDING_SERIES_PER_CHECK = MAX_FINDINGS_PER_KIND;
export const MAX_FINDING_SERIES = 1000;
/** runnerguard_runner_info series (the report keeps more: agent/facts/inventory.ts). */
export const MAX_RUNNER_SERIES = 100;

const DEFAULT_PER_FINDING: readonly string[] = ['fail', 'warn', 'error'];

const statusRank = (s: Status) => STATUSES.indexOf(s);
/** What gets a series first when the cap bites: unwaived before waived, fail, error, warn, then by severity. */
const keepFirst = (a: Finding, b: Finding) => Number(Boolean(a.waived)) - Number(Boolean(b.waived)) || statusRank(a.status) - statusRank(b.status) || severityRank(a.severity) - severityRank(b.severity);

function perFindingSeries(findings: Finding[], statuses: readonly string[]): { samples: Sample[]; omitted: number } {
  const wanted = findings.filter((f) => statuses.includes(f.status)).sort(keepFirst);
  const perCheck = new Map<string, number>();
  const samples = new Map<string, number>();
  let omitted = 0;
  for (const f of wanted) {
    const n = perCheck.get(f.check) ?? 0;
    const labels = labelSet({ check: forPromLabel(f.check), severity: f.severity, status: f.status, subject: boundedLabel(f.subject), waived: String(Boolean(f.waived)) });
    if (samples.has(labels)) continue;
    if (n >= MAX_FINDING_SERIES_PER_CHECK || samples.size >= MAX_FINDING_SERIES) {
      omitted++;
      continue;
    }
    perCheck.set(f.check, n + 1);
    samples.set(labels, 1);
  }
  return { samples: [...samples], omitted };
}

/** Unwaived findings by check, severity and status (non-zero only: absent means 0), and waived ones by status. */
function aggregates(findings: Finding[]): { byCheck: Sample[]; totals: Sample[]; waived: Sample[] } {
  const byCheck = new Map<string, number>();
  const totals = new Map<Status, number>(STATUSES.map((s) => [s, 0]));
  const waived = new Map<Status, number>([['fail', 0], ['warn', 0]]);
  for (const f of findings) {
    if (f.waived) {
      waived.set(f.status, (waived.get(f.status) ?? 0) + 1);
      continue;
    }
    totals.set(f.status, totals.get(f.status)! + 1);
    const key = labelSet({ check: forPromLabel(f.check), severity: f.severity, status: f.status });
    byCheck.set(key, (byCheck.get(key) ?? 0) + 1);
  }
  return {
    byCheck: [...byCheck].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    totals: [...totals].map(([s, n]) => [`{status="${s}"}`, n]),
    waived: [...waived].map(([s, n]) => [`{status="${s}"}`, n]),
  };
}

function runnerSeries(report: Report): { info: Sample[]; counts: Sample[] } {
  const runners = report.runners ?? [];
  const info = runners.slice(0, MAX_RUNNER_SERIES).map((r): Sample => [labelSet({ runner: boundedLabel(r.name), kind: r.kind, token_fingerprint: forPromLabel(r.fingerprint ?? '') }), 1]);
  const counts = (['gitlab', 'github'] as const).map((k): Sample => [`{kind="${k}"}`, runners.filter((r) => r.kind === k).length]);
  return { info, counts };
}

function deliverySeries(o: MetricsOptions): string[] {
  const lines = [
    ...metric('runnerguard_delivery_configured', 'Whether [report] url is set (1) or reports stay local (0).', 'gauge', [['', o.deliveryConfigured ? 1 : 0]]),
    ...metric('runnerguard_spool_alert_age_seconds', 'Configured age ([metrics] spool_alert_age_ms) beyond which a spooled report means delivery is failing.', 'gauge', [['', o.spoolAlertAgeSeconds ?? 7200]]),
  ];
  if (o.delivery === undefined) return lines;
  lines.push(...metric('runnerguard_delivery_state_ok', 'Whether the state dir could be read under the trust rules (0: the delivery figures are missing, not zero).', 'gauge', [['', o.delivery ? 1 : 0]]));
  const d = o.delivery;
  if (!d) return lines;
  lines.push(
    ...metric('runnerguard_spool_reports', 'Reports waiting in the spool for the collector.', 'gauge', [['', d.spooled]]),
    ...metric('runnerguard_spool_rejected_reports', 'Reports the collector refused for good, kept in spool/rejected/ (retried by deliver --retry-rejected).', 'gauge', [['', d.rejected]]),
    ...metric('runnerguard_spool_oldest_report_age_seconds', 'Age of the oldest report waiting in the spool (0 when none).', 'gauge', [['', d.oldestAgeSeconds]]),
    ...metric('runnerguard_reports_dropped_total', 'Reports dropped from a full spool (oldest first) since the state dir was created.', 'counter', [['', d.dropped]]),
    ...metric('runnerguard_reports_rejected_total', 'Reports moved to spool/rejected/ since the state dir was created.', 'counter', [['', d.rejectedTotal]]),
    ...metric('runnerguard_last_delivery_success_timestamp_seconds', 'When the collector last acknowledged a report (Unix time; 0: never).', 'gauge', [['', d.lastSuccessSeconds]]),
  );
  return lines;
}

/** Prometheus text exposition, for node_exporter's textfile collector. */
export function formatPrometheus(report: Report, o: MetricsOptions = {}): string {
  const per = perFindingSeries(report.findings, o.perFinding ?? DEFAULT_PER_FINDING);
  const agg = aggregates(report.findings);
  const runners = runnerSeries(report);
  const lines = [
    ...metric('runnerguard_finding', 'One series per finding of the listed statuses ([metrics] per_finding; default fail, warn, error), value 1.', 'gauge', per.samples),
    ...metric('runnerguard_finding_series_omitted', `Findings left without a runnerguard_finding series (at most ${MAX_FINDING_SERIES_PER_CHECK} per check, ${MAX_FINDING_SERIES} in all); the aggregates count them.`, 'gauge', [['', per.omitted]]),
    ...metric('runnerguard_check_findings', 'Unwaived findings of the last audit by check, severity and status (absent: 0).', 'gauge', agg.byCheck),
    ...metric('runnerguard_findings', 'Unwaived findings of the last audit by status.', 'gauge', agg.totals),
    ...metric('runnerguard_findings_waived', 'Waived findings of the last audit by status (a waiver applies to fail and warn).', 'gauge', agg.waived),
    ...metric('runnerguard_score', 'Hardening score of the last audit (0-100, README "Score").', 'gauge', [['', report.summary.score]]),
    ...metric('runnerguard_last_run_timestamp_seconds', 'When the last audit finished (Unix time).', 'gauge', [['', Date.parse(report.finishedAt) / 1000]]),
    ...metric('runnerguard_audit_duration_seconds', 'How long the last audit took.', 'gauge', [['', report.durationMs / 1000]]),
    ...(o.auditIntervalSeconds ? metric('runnerguard_audit_interval_seconds', 'Longest gap between two scheduled audits ([agent] schedule).', 'gauge', [['', o.auditIntervalSeconds]]) : []),
    ...metric('runnerguard_runner_info', 'One series per runner found (value 1): its kind and a fingerprint of its token (GitLab) or registration (Actions).', 'gauge', runners.info),
    ...metric('runnerguard_runners', 'Runners found, by kind.', 'gauge', runners.counts),
    ...deliverySeries(o),
    ...metric('runnerguard_info', 'Agent version and target.', 'gauge', [[`{version="${forPromLabel(report.agent.version)}",hostname="${boundedLabel(report.host.hostname)}",live="${report.target.live}"}`, 1]]),
  ];
  return lines.join('\n') + '\n';
}

