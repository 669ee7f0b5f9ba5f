import type { ConfigLines } from '../../agent/facts/gitlab-config-lines.js';
import type { RunnerEntry } from '../../agent/facts/gitlab.js';

export interface EnvEntry {
  /** The entry as written ("GIT_STRATEGY=fetch"). */
  entry: string;
  value: string;
}

/**
 * The runner's `environment` setting for `name`: the last entry wins, as for
 * job variables. Names are case-sensitive, the value is everything after the
 * first "=".
 */
export function envEntry(r: RunnerEntry, name: string): EnvEntry | undefined {
  for (let i = r.environment.length - 1; i >= 0; i--) {
    const entry = r.environment[i]!;
    const eq = entry.indexOf('=');
    if (eq > 0 && entry.slice(0, eq).trim() === name) return { entry, value: entry.slice(eq + 1).trim() };
  }
  return undefined;
}

/** One entry only: the rest of `environment` may hold secrets. */
export function envEvidence(lines: ConfigLines | null, r: RunnerEntry, e: EnvEntry): string {
  const where = lines ? `${lines.at(['runners', r.index, 'environment'])}: ` : '';
  return `${where}[[runners]] environment entry ${JSON.stringify(e.entry)}`;
}

/** Go's strconv.ParseBool, which the runner applies to feature-flag variables. */
export function parseGoBool(v: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return undefined;
}

/**
 * A feature flag's value for a runner and where it comes from: a
 * [runners.feature_flags] boolean wins over an `environment` entry, as in
 * the runner; undefined when neither sets it (the flag's default applies).
 */
export function featureFlag(r: RunnerEntry, name: string): { value: boolean; from: 'feature_flags' | 'environment' } | undefined {
  const table = r.featureFlags[name];
  if (typeof table === 'boolean') return { value: table, from: 'feature_flags' };
  const env = envEntry(r, name);
  const v = env && parseGoBool(env.value);
  return v === undefined ? undefined : { value: v, from: 'environment' };
}
