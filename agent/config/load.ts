import { promises as fsp } from 'node:fs';
import TOML from '@iarna/toml';
import { readRootFile, rootControlled, TrustError } from '../host/trust.js';
import { cronProblem } from './cron.js';
import { defaultConfig, SECTIONS, WAIVER_SCHEMA, type AgentConfig, type FieldType, type TableSchema } from './schema.js';
import { lineOf, locateKeys } from './toml-lines.js';

export const DEFAULT_CONFIG_PATH = '/etc/runnerguard/config.toml';

/** A configuration problem: exit code 2, message on stderr, no stack. */
export class ConfigError extends Error {
  readonly file: string;
  readonly line?: number;
  constructor(file: string, line: number | undefined, message: string) {
    super(`${file}${line !== undefined ? `:${line}` : ''}: ${message}`);
    this.name = 'ConfigError';
    this.file = file;
    this.line = line;
  }
}

/** Option schemas of the checks, keyed by check id (from the catalogue). */
export type CheckOptionSchemas = Record<string, Record<string, FieldType>>;

function typeName(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Date) return 'a date';
  if (typeof v === 'number') return Number.isInteger(v) ? 'an integer' : 'a float';
  if (typeof v === 'object' && v !== null) return 'a table';
  return `a ${typeof v}`;
}

const EXPECTED: Record<FieldType, string> = {
  string: 'a string',
  'string[]': 'an array of strings',
  integer: 'an integer',
  boolean: 'a boolean (true or false)',
  date: 'a date (YYYY-MM-DD)',
};

function coerce(v: unknown, type: FieldType): unknown | undefined {
  switch (type) {
    case 'string':
      return typeof v === 'string' ? v : undefined;
    case 'string[]':
      return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined;
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
    case 'boolean':
      return typeof v === 'boolean' ? v : undefined;
    case 'date':
      if (v instanceof Date && !Number.isNaN(v.getTime())) return v.toISOString().slice(0, 10);
      return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) ? v : undefined;
  }
}

class Validator {
  constructor(
    private readonly file: string,
    private readonly lines: Map<string, number>,
  ) {}

  fail(path: string[], message: string): never {
    throw new ConfigError(this.file, lineOf(this.lines, path), message);
  }

  table(value: unknown, path: string[], schema: TableSchema): Record<string, unknown> {
    const name = path.join('.');
    if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Date) {
      this.fail(path, `${name}: expected a table, got ${typeName(value)}`);
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const type = schema.fields[k];
      if (!type) {
        const known = Object.keys(schema.fields);
        this.fail([...path, k], `unknown key "${k}" in [${name}] (expected one of: ${known.join(', ') || 'none'})`);
      }
      const ok = coerce(v, type);
      if (ok === undefined) this.fail([...path, k], `${name}.${k}: expected ${EXPECTED[type]}, got ${typeName(v)}`);
      out[k] = ok;
    }
    for (const req of schema.required ?? []) {
      if (!(req in out)) this.fail(path, `[${name}] is missing the required key "${req}"`);
    }
    return out;
  }
}

/** Parses and validates config text; `file` is only for messages. */
export function parseConfig(text: string, file: string, checkOptions: CheckOptionSchemas = {}, remediationIds?: readonly string[]): AgentConfig {
  let doc: Record<string, unknown>;
  try {
    doc = TOML.parse(text) as Record<string, unknown>;
  } catch (err) {
    const e = err as { line?: number; col?: number; message?: string };
    const first = String(e.message ?? err).split('\n')[0]!.replace(/ at row \d+, col \d+, pos \d+:?$/, '');
    throw new ConfigError(file, e.line !== undefined ? e.line + 1 : undefined, `invalid TOML: ${first}`);
  }
  const v: Validator = new Validator(file, locateKeys(text));
  const cfg = defaultConfig();
  cfg.path = file;
  for (const [key, value] of Object.entries(doc)) {
    if (key in SECTIONS) {
      Object.assign((cfg as unknown as Record<string, object>)[key]!, v.table(value, [key], SECTIONS[key]!));
    } else if (key === 'checks') {
      if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Date) {
        v.fail(['checks'], `checks: expected a table, got ${typeName(value)}`);
      }
      for (const [id, opts] of Object.entries(value as Record<string, unknown>)) {
        const schema = checkOptions[id];
        if (!schema) v.fail(['checks', id], `unknown check "${id}" in [checks] (it takes no options or does not exist)`);
        cfg.checks[id] = v.table(opts, ['checks', id], { fields: schema });
      }
    } else if (key === 'waivers') {
      if (!Array.isArray(value)) v.fail(['waivers'], `waivers: expected an array of tables ([[waivers]]), got ${typeName(value)}`);
      cfg.waivers = value.map((w, i) => v.table(w, ['waivers', String(i)], WAIVER_SCHEMA) as unknown as AgentConfig['waivers'][number]);
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
  return cfg;
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
  const path = file ?? DEFAULT_CONFIG_PATH;
  let st;
  try {
    st = await fsp.stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && file === undefined) return defaultConfig();
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
  return parseConfig(text, path, checkOptions, remediationIds);
}
