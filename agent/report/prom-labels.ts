import { createHash } from 'node:crypto';
import { forPromLabel } from './neutralize.js';

/** Longest label value taken from what a job may choose (a path, a runner name), in characters before escaping. */
export const MAX_LABEL_CHARS = 200;

/**
 * A label value from a job-chosen name: cut to MAX_LABEL_CHARS with a short
 * hash of the whole (two long names sharing a prefix stay two series), then
 * neutralised (agent/report/neutralize.ts: control characters as visible
 * escapes, `\` and `"` escaped for the exposition format).
 */
export function boundedLabel(value: string, max = MAX_LABEL_CHARS): string {
  const chars = [...value];
  if (chars.length <= max) return forPromLabel(value);
  const hash = createHash('sha256').update(value).digest('hex').slice(0, 8);
  return forPromLabel(`${chars.slice(0, max).join('')}…${hash}`);
}

/** `{a="x",b="y"}` from values already neutralised (or our own words); `` for none. */
export function labelSet(labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  return parts.length > 0 ? `{${parts.join(',')}}` : '';
}

export type Sample = [labels: string, value: number];

/**
 * One metric block. One sample per label set: two findings whose labels
 * coincide (the same subject twice, or two names that read the same once
 * neutralised) share a series. A duplicate series makes node_exporter reject
 * the whole file.
 */
export function metric(name: string, help: string, type: 'gauge' | 'counter', samples: Sample[]): string[] {
  const unique = new Map(samples);
  return [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...[...unique].map(([labels, v]) => `${name}${labels} ${v}`)];
}
