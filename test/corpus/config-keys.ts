import { readFileSync } from 'node:fs';
import path from 'node:path';

export const CORPUS_DIR = path.resolve(__dirname, '../fixtures/gitlab-docs-corpus');

/**
 * gitlab-runner's config keys with their Go types (CONFIG-KEYS.tsv, from the
 * toml struct tags of common/config.go and the cache config). Paths read
 * `runners[].docker.cap_add`; an array of tables ends its segment in [].
 */
export function loadConfigKeys(): Map<string, string> {
  const keys = new Map<string, string>();
  for (const line of readFileSync(path.join(CORPUS_DIR, 'CONFIG-KEYS.tsv'), 'utf8').split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const [p, type] = line.split('\t');
    keys.set(p!, type!);
  }
  return keys;
}

/** Whether a TOML value has the shape of the Go type (pointers and named string/number types included). */
export function fitsGoType(v: unknown, type: string): boolean {
  const t = type.replace(/^\*/, '');
  if (t.startsWith('[]')) return Array.isArray(v) && v.every((x) => (t === '[]table' ? typeof x === 'object' : fitsGoType(x, t.slice(2))));
  if (t.startsWith('map[') || t === 'table') return typeof v === 'object' && v !== null && !Array.isArray(v);
  if (t === 'bool') return typeof v === 'boolean';
  if (/^(u?int(8|16|32|64)?|float(32|64))$/.test(t)) return typeof v === 'number';
  if (t === 'string') return typeof v === 'string';
  if (t === 'StringOrArray') return typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string'));
  if (t === 'time.Duration') return typeof v === 'string' || typeof v === 'number';
  // Named types (DockerPullPolicy, S3AuthType, api.Capability...) are strings or numbers in TOML.
  return typeof v === 'string' || typeof v === 'number';
}

/** Every key path of a parsed config, as CONFIG-KEYS.tsv spells paths, with its value. */
export function keyPaths(doc: Record<string, unknown>, prefix = ''): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  for (const [k, v] of Object.entries(doc)) {
    const p = `${prefix}${k}`;
    if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Date))) {
      out.push([`${p}[]`, v]);
      for (const x of v) out.push(...keyPaths(x as Record<string, unknown>, `${p}[].`));
    } else if (typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date)) {
      out.push([p, v]);
      out.push(...keyPaths(v as Record<string, unknown>, `${p}.`));
    } else out.push([p, v]);
  }
  return out;
}
