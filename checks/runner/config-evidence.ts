import type { CheckContext } from '../../agent/engine/types.js';
import { gitlabConfigLines, type ConfigLines } from '../../agent/facts/gitlab-config-lines.js';
import type { RunnerEntry, TomlTable } from '../../agent/facts/gitlab.js';

/** A config value the way config.toml spells it. */
export function tomlText(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(tomlText).join(', ')}]`;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object' && v !== null) return '{...}';
  return String(v);
}

/** Builds evidence lines "file:line: [runners.<table>] key = value" for one audit. */
export interface SettingEvidence {
  /** A key of a runner's sub-table ('' = the [[runners]] entry itself), unset keys included. */
  runner(r: RunnerEntry, table: string, key: string): string;
  /** A key of a nested runner table (['cache', 's3'] for [runners.cache.s3]), unset keys included. */
  nested(r: RunnerEntry, tables: string[], key: string): string;
  /** A key path of the whole document (['session_server', 'listen_address']). */
  global(path: string[], value: unknown): string;
}

function subTable(r: RunnerEntry, table: string): TomlTable {
  if (table === '') return r.raw;
  const t = r.raw[table];
  return typeof t === 'object' && t !== null && !Array.isArray(t) ? (t as TomlTable) : {};
}

export function settingEvidence(lines: ConfigLines | null): SettingEvidence {
  const where = (key: Array<string | number>) => (lines ? `${lines.at(key)}: ` : '');
  return {
    runner(r, table, key) {
      const value = subTable(r, table)[key];
      const path = table === '' ? ['runners', r.index, key] : ['runners', r.index, table, key];
      const label = table === '' ? `[[runners]] ${key}` : `[runners.${table}] ${key}`;
      return `${where(path)}${label} ${value === undefined ? 'unset' : `= ${tomlText(value)}`}`;
    },
    nested(r, tables, key) {
      let t: unknown = r.raw;
      for (const name of tables) t = typeof t === 'object' && t !== null && !Array.isArray(t) ? (t as TomlTable)[name] : undefined;
      const value = typeof t === 'object' && t !== null && !Array.isArray(t) ? (t as TomlTable)[key] : undefined;
      return `${where(['runners', r.index, ...tables, key])}[runners.${tables.join('.')}] ${key} ${value === undefined ? 'unset' : `= ${tomlText(value)}`}`;
    },
    global(path, value) {
      const label = path.length > 1 ? `[${path.slice(0, -1).join('.')}] ${path.at(-1)}` : path[0]!;
      return `${where(path)}${label} ${value === undefined ? 'unset' : `= ${tomlText(value)}`}`;
    },
  };
}

/** The evidence builder for this audit's runner config. */
export async function configEvidence(ctx: CheckContext): Promise<SettingEvidence> {
  return settingEvidence(await ctx.facts.get(gitlabConfigLines));
}
