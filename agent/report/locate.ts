import { createHash } from 'node:crypto';
import type { Finding } from '../engine/types.js';

/** A line of a file on the audited target, as a finding's evidence names it. */
export interface FileLine {
  /** Absolute path on the target (`/etc/gitlab-runner/config.toml`). */
  file: string;
  line: number;
}

/**
 * `/path:24` at the very start of an evidence line, followed by `: `, a
 * space or the end. Checks write `file:line: what` first (config.toml,
 * sudoers, sshd_config, fstab); whatever follows can hold values a job
 * chose (a volume "/etc/shadow:1"), so only the start counts. A path with a
 * colon is not recognised: better no location than the wrong one.
 */
const AT_START = /^(\/[^:\n]*):([1-9]\d{0,8})(?=:\s|\s|$)/;

/** Distinct file:line pairs a finding's evidence starts with, in evidence order, at most `max`. */
export function evidenceLocations(f: Finding, max = 10): FileLine[] {
  const out: FileLine[] = [];
  const seen = new Set<string>();
  for (const e of f.evidence) {
    const m = AT_START.exec(e);
    if (!m) continue;
    const key = `${m[1]}:${m[2]}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ file: m[1]!, line: Number(m[2]) });
    if (out.length >= max) break;
  }
  return out;
}

const URL_IN = /\bhttps?:\/\/[^\s<>"'`)\]]+/;

/** The first http(s) URL in a check's references, whether a reference is a bare URL or "Title, URL". */
export function firstUrl(references: readonly string[]): string | undefined {
  for (const r of references) {
    const m = URL_IN.exec(r);
    if (m) return m[0].replace(/[.,;:]+$/, '');
  }
  return undefined;
}

/**
 * A hex digest of the parts, stable across runs and hosts for the same
 * input: a consumer can follow one finding over time. Parts are joined by
 * NUL (never in a check id, a path or a hex machine id), so ("a", "b:c")
 * and ("a:b", "c") differ.
 */
export function stableId(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 32);
}
