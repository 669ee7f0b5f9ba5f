import { AUTH_SCHEMES, REPORT_FORMATS, defaultConfig, type AgentConfig } from './schema.js';
import type { Validator } from './validate.js';

const NON_NEGATIVE = [
  ['agent', 'tick_offset_max_ms'],
  ['agent', 'scan_threads'],
  ['report', 'rejected_max_reports'],
  ['report', 'rejected_max_bytes'],
] as const;

/**
 * The delivery keys a type alone does not settle: `[report] format` and
 * `auth_scheme` are one of a few words (exact case: the scheme is sent as
 * written), the bounds are not negative. A bad value is a problem with its
 * line and counts as the default, so the rest of the config is still judged.
 */
export function deliveryKeyProblems(v: Validator, cfg: AgentConfig, doc: Record<string, unknown>): void {
  const d = defaultConfig();
  const r = cfg.report as { format: string; auth_scheme: string };
  if (!(REPORT_FORMATS as readonly string[]).includes(r.format)) {
    v.fail(['report', 'format'], `report.format: "${r.format}" is not one of ${REPORT_FORMATS.map((f) => `"${f}"`).join(', ')}`);
    cfg.report.format = d.report.format;
  }
  if (!(AUTH_SCHEMES as readonly string[]).includes(r.auth_scheme)) {
    v.fail(['report', 'auth_scheme'], `report.auth_scheme: "${r.auth_scheme}" is not one of ${AUTH_SCHEMES.map((f) => `"${f}"`).join(', ')} (exact case)`);
    cfg.report.auth_scheme = d.report.auth_scheme;
  }
  for (const [section, key] of NON_NEGATIVE) {
    const table = cfg[section] as unknown as Record<string, number>;
    if (table[key]! < 0) {
      v.fail([section, key], `${section}.${key}: ${table[key]} is negative`);
      table[key] = (d[section] as unknown as Record<string, number>)[key]!;
    }
  }
  // A scheme with no token to send is a header that never goes out: the intake answers 401 and every report is set aside.
  const report = doc.report as Record<string, unknown> | undefined;
  if (report && 'auth_scheme' in report && !cfg.report.token_file) {
    v.fail(['report', 'auth_scheme'], `report.auth_scheme is set but report.token_file is not: no Authorization header is sent`);
  }
}
