import type { ReportFormat } from '../config/schema.js';
import type { Report } from '../engine/types.js';
import { formatOcsf } from '../report/ocsf.js';

export interface DeliveryBody {
  body: string;
  contentType: string;
}

/**
 * What is POSTed for a spooled report (the spool always holds the native
 * JSON, so a format change applies to reports already waiting):
 * - json: the report itself, one JSON document (application/json);
 * - ocsf: one OCSF 1.1 Compliance Finding per line, NDJSON
 *   (application/x-ndjson), the shape line-oriented intakes take (Splunk
 *   HEC raw, Elastic, Loki, a Vector or Fluent Bit http source) and no
 *   line near rsyslog's 8 KB message limit the way a whole report is.
 * Throws on a body that is no report (the caller sets it aside).
 */
export function deliveryBody(format: ReportFormat, json: string): DeliveryBody {
  if (format === 'ocsf') {
    const report = JSON.parse(json) as Report;
    if (!report || !Array.isArray(report.findings)) throw new Error('not a runnerguard report (no findings array)');
    return { body: report.findings.length > 0 ? formatOcsf(report) : '', contentType: 'application/x-ndjson' };
  }
  JSON.parse(json);
  return { body: json, contentType: 'application/json' };
}
