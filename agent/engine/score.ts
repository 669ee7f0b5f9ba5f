import type { Finding, Severity, Summary } from './types.js';

/** Weight of a severity in the score (README "Score"). */
export const WEIGHTS: Record<Severity, number> = { critical: 10, high: 5, medium: 3, low: 1, info: 0 };

/**
 * score = 100 × (1 − lost / possible), where `possible` sums the weights of
 * every evaluated finding (pass, warn, fail; not skip, error, or waived) and
 * `lost` sums the weight of each fail plus half the weight of each warn.
 * No evaluated finding gives 100.
 */
export function summarize(findings: Finding[]): Summary {
  const s: Summary = { total: findings.length, pass: 0, fail: 0, warn: 0, skip: 0, error: 0, score: 100 };
  let possible = 0;
  let lost = 0;
  for (const f of findings) {
    s[f.status]++;
    if (f.waived || f.status === 'skip' || f.status === 'error') continue;
    const w = WEIGHTS[f.severity];
    possible += w;
    if (f.status === 'fail') lost += w;
    else if (f.status === 'warn') lost += w / 2;
  }
  if (possible > 0) s.score = Math.round(100 * (1 - lost / possible));
  return s;
}
