import { promises as fsp } from 'node:fs';
import TOML from '@iarna/toml';
import { readRootFile, rootControlled, TrustError } from '../host/trust.js';
import { cronProblem } from './cron.js';
import { globToRegExp } from '../engine/waivers.js';
import { STATUSES } from '../engine/types.js';
import { deliveryKeyProblems } from './delivery-keys.js';
import { reportUrlProblem } from './report-url.js';
import { defaultConfig, SECTIONS, WAIVER_SCHEMA, type AgentConfig, type FieldType, type WaiverConfig } from './schema.js';
import { locateKeys } from './toml-lines.js';
import { badBareDates, problemText, typeName, Validator, type ConfigProblem } from './validate.js';

export const DEFAULT_CONFIG_PATH = '/etc/runnerguard/config.toml';

/**
 * A configuration problem: exit code 2, message on stderr, no stack. The
 * message is the first problem; `problems` holds every one (`config check`
 * lists them).
 */
export class ConfigError extends Error {
  readonly file: string;
  readonly line?: number;
  readonly problems: ConfigProblem[];
  constructor(file: string, line: number | undefined, message: string, problems?: ConfigProblem[], more = 0) {
    const all = problems ?? [{ file, line, message }];
    const rest = all.length - 1 + more;
    super(problemText({ file, line, message }) + (rest > 0 ? ` (and ${rest} more problem(s): runnerguard config check --config ${file} lists them all)` : ''));
    this.name = 'ConfigError';
    this.file = file;
    this.line = line;
    this.problems = all;
  }
}

/** Option schemas of the checks, keyed by check id (from the catalogue). */
export type CheckOptionSchemas = Record<string, Record<string, FieldType>>;

/**
 * What only `config check` holds the config to: settings a command would
 * accept now and refuse (or ignore) later. A waiver for no check in the
 * catalogue waives nothing; a collector URL delivery will refuse.
 */
export interface LintRules {
  checkIds: readonly string[];
}

export interface ConfigCheck {
  config: AgentConfig;
  /** Sorted by line; at most MAX_PROBLEMS, `more` counts the rest. */
  problems: ConfigProblem[];
  more: number;
}

function tomlError(err: unknown, text: string, file: string): ConfigProblem {
  const e = err as { line?: number; message?: string };
  const first = String(e.message ?? err).split('\n')[0]!.replace(/ at row \d+, col \d+, pos \d+:?$/, '');
  // "Invalid Datetime" comes without a line: the bad date is found in the source.
  const date = e.line === undefined ? badBareDates(text)[0] : undefined;
  if (date) return { file, line: date.line, message: `invalid TOML: ${date.key} = ${date.date} is no day of the calendar` };
  return { file, line: e.line !== undefined ? e.line + 1 : undefined, message: `invalid TOML: ${first}` };
}

/** Validates config text and returns every problem found; `file` is only for messages. Invalid TOML is one problem (the parser stops). */
export function validateConfig(text: string, file: string, checkOptions: CheckOptionSchemas = {}, remediationIds?: readonly string[], lint?: LintRules): ConfigCheck {
  const cfg = defaultConfig();
  cfg.path = file;
  let doc: Record<string, unknown>;
  try {
    doc = TOML.parse(text) as Record<string, unknown>;
  } catch (err) {
    return { config: cfg, problems: [tomlError(err, text, file)], more: 0 };
  }
  const lines = locateKeys(text);
  const v = new Validator(file, lines);
  for (const d of badBareDates(text)) v.at(d.line, `${d.key}: ${d.date} is no day of the calendar`);
  for (const [key, value] of Object.entries(doc)) {
    if (key in SECTIONS) {
      Object.assign((cfg as unknown as Record<string, object>)[key]!, v.table(value, [key], SECTIONS[key]!));
    } else if (key === 'checks') {
      if (!v.isTable(value, ['checks'])) continue;
      for (const [id, opts] of Object.entries(value)) {
        const schema = checkOptions[id];
        if (!schema) v.fail(['checks', id], `unknown check "${id}" in [checks] (it takes no options or does not exist)`);
        else cfg.checks[id] = v.table(opts, ['checks', id], { fields: schema }) ?? {};
      }
    } else if (key === 'waivers') {
      if (!Array.isArray(value)) v.fail(['waivers'], `waivers: expected an array of tables ([[waivers]]), got ${typeName(value)}`);
      else cfg.waivers = value.map((w, i) => v.table(w, ['waivers', String(i)], WAIVER_SCHEMA) as unknown as WaiverConfig | undefined).filter((w) => w !== undefined);
    } else {
      const known = [...Object.keys(SECTIONS), 'checks', 'waivers'];
      v.fail([key], `unknown key "${key}" (expected one of: ${known.join(', ')})`);
    }
  }
  // An id that enables nothing must not pass silently: `run` would quietly skip the fix someone asked for.
  if (remediationIds) {
    const known = new Set(remediationIds);
    const unknown = cfg.remediations.enable.filter((id) => !known.has(id));
    if (unknown.length > 0) {
      v.fail(['remediations', 'enable'], `remediations.enable: ${unknown.map((id) => `"${id}"`).join(', ')} ${unknown.length > 1 ? 'have' : 'has'} no automated remediation (automated: ${remediationIds.join(', ')})`);
    }
  }
  // A bad schedule must fail `config check` and a SIGHUP, not the daemon's next tick.
  const cronWhy = cronProblem(cfg.agent.schedule);
  if (cronWhy) v.fail(['agent', 'schedule'], `agent.schedule: "${cfg.agent.schedule}" is not a cron expression: ${cronWhy}`);
  metricsProblems(v, cfg);
  deliveryKeyProblems(v, cfg, doc);
  if (lint) lintConfig(v, cfg, doc, lint);
  const problems = [...v.problems].sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
  return { config: cfg, problems, more: v.more };
}

const STATUS_NAMES: readonly string[] = STATUSES;

/** [metrics]: statuses that exist, an alert age that is one. */
function metricsProblems(v: Validator, cfg: AgentConfig): void {
  const bad = cfg.metrics.per_finding.filter((s) => !STATUS_NAMES.includes(s));
  if (bad.length > 0) v.fail(['metrics', 'per_finding'], `metrics.per_finding: ${bad.map((s) => `"${s}"`).join(', ')} ${bad.length > 1 ? 'are' : 'is'} no status (expected some of: ${STATUSES.join(', ')})`);
  cfg.metrics.per_finding = [...new Set(cfg.metrics.per_finding.filter((s) => STATUS_NAMES.includes(s)))];
  if (cfg.metrics.spool_alert_age_ms < 1000) v.fail(['metrics', 'spool_alert_age_ms'], `metrics.spool_alert_age_ms: ${cfg.metrics.spool_alert_age_ms} is below 1000 (1 s)`);
}

function lintConfig(v: Validator, cfg: AgentConfig, doc: Record<string, unknown>, lint: LintRules): void {
  const url = cfg.report.url;
  const why = url !== undefined ? reportUrlProblem(url) : undefined;
  if (why) v.fail(['report', 'url'], `report.url: ${url}: ${why} (run and deliver refuse to send)`);
  // Indexes of the document, not of cfg.waivers: an invalid waiver was left out there.
  const waivers = Array.isArray(doc.waivers) ? (doc.waivers as unknown[]) : [];
  waivers.forEach((w, i) => {
    const check = (w as { check?: unknown } | null)?.check;
    if (typeof check !== 'string') return;
    const re = globToRegExp(check);
    if (!lint.checkIds.some((id) => re.test(id))) v.fail(['waivers', String(i), 'check'], `waivers.${i}.check: "${check}" matches no check in the catalogue (runnerguard checks lists them)`);
  });
}

/** Parses and validates config text; a ConfigError names the first problem and counts the rest. */
export function parseConfig(text: string, file: string, checkOptions: CheckOptionSchemas = {}, remediationIds?: readonly string[]): AgentConfig {
  const r = validateConfig(text, file, checkOptions, remediationIds);
  const first = r.problems[0];
  if (first) throw new ConfigError(first.file, first.line, first.message, r.problems, r.more);
  return r.config;
}

const MAX_CONFIG_BYTES = 1024 * 1024;

/**
 * Loads the config file. A missing *default* file means defaults; a missing
 * explicit --config is an error. A file writable by non-root is refused: whoever
 * can edit it can waive every finding. So is one reached through a directory
 * or a link someone else controls (agent/host/trust.ts): they could swap it.
 */
export async function loadConfig(
  file: string | undefined,
  checkOptions: CheckOptionSchemas = {},
  remediationIds?: readonly string[],
): Promise<AgentConfig> {
  const read = await readConfigFile(file);
  return read ? parseConfig(read.text, read.path, checkOptions, remediationIds) : defaultConfig();
}

/** The config file's text, read under the trust rules above; null when the default file is absent (defaults apply). */
export async function readConfigFile(file: string | undefined): Promise<{ path: string; text: string } | null> {
  const path = file ?? DEFAULT_CONFIG_PATH;
  let st;
  try {
    st = await fsp.stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && file === undefined) return null;
    throw new ConfigError(path, undefined, code === 'ENOENT' ? 'no such file' : `cannot stat: ${code}`);
  }
  if (!st.isFile()) throw new ConfigError(path, undefined, 'not a regular file');
  if (st.uid !== 0 || (st.mode & 0o022) !== 0) {
    const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
    throw new ConfigError(path, undefined, `refused: writable by non-root (owner uid ${st.uid}, mode ${mode}); make it root-owned and not group/world-writable`);
  }
  // The file is root's; now every directory and link on the way to it must be too.
  const t = await rootControlled(path);
  if (!t.ok) throw new ConfigError(path, undefined, `refused: ${t.reason}; runnerguard reads its config only when root owns it and every directory above it, and no other user can write them`);
  if (st.size > MAX_CONFIG_BYTES) throw new ConfigError(path, undefined, `too large (${st.size} bytes)`);
  let text: string;
  try {
    text = (await readRootFile(t.real, 'config', { maxBytes: MAX_CONFIG_BYTES })).toString('utf8');
  } catch (err) {
    if (err instanceof TrustError && err.code === 'EUNTRUSTED') throw new ConfigError(path, undefined, `refused: ${err.reason}`);
    throw new ConfigError(path, undefined, `cannot read: ${err instanceof TrustError ? err.reason : ((err as NodeJS.ErrnoException).code ?? err)}`);
  }
  if (text.includes('\u0000')) throw new ConfigError(path, undefined, 'binary data, not TOML');
  return { path, text };
}
