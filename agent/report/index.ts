import type { Report } from '../engine/types.js';
import { formatText } from './text.js';

export const FORMATS = ['text', 'json'] as const;
export type Format = (typeof FORMATS)[number];

export interface FormatOptions {
  color: boolean;
  verbose?: boolean;
}

/** One result model feeds every output format. */
export function formatReport(report: Report, format: Format, opts: FormatOptions): string {
  switch (format) {
    case 'json':
      return JSON.stringify(report, null, 2) + '\n';
    case 'text':
      return formatText(report, opts);
  }
}
