import { checkById } from '../../checks/index.js';
import type { Report } from '../engine/types.js';
import { formatJunit } from './junit.js';
import { formatMarkdown } from './markdown.js';
import { formatOcsf } from './ocsf.js';
import { formatPrometheus, type MetricsOptions } from './prometheus.js';
import { formatSarif } from './sarif.js';
import { jsonSafe } from './neutralize.js';
import { formatText } from './text.js';

export const FORMATS = ['text', 'json', 'sarif', 'junit', 'prometheus', 'markdown', 'ocsf'] as const;
export type Format = (typeof FORMATS)[number];

export interface FormatOptions {
  color: boolean;
  verbose?: boolean;
  /** Text: columns to wrap at (default 80). */
  width?: number;
  /** What the Prometheus textfile says beyond the report (config, delivery health). */
  metrics?: MetricsOptions;
}

/** One result model feeds every output format. */
export function formatReport(report: Report, format: Format, opts: FormatOptions): string {
  switch (format) {
    case 'json':
      // Lossless: JSON escapes C0 and lone surrogates, jsonSafe the C1 and bidi characters it leaves raw.
      return jsonSafe(JSON.stringify(report, null, 2)) + '\n';
    case 'text':
      return formatText(report, opts);
    case 'sarif':
      return formatSarif(report, { verbose: opts.verbose });
    case 'junit':
      return formatJunit(report, (id) => checkById(id)?.meta.area ?? 'other');
    case 'prometheus':
      return formatPrometheus(report, opts.metrics);
    case 'markdown':
      return formatMarkdown(report);
    case 'ocsf':
      return formatOcsf(report);
  }
}
