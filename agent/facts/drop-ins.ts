import type { HostFs } from '../host/index.js';
import { listConfNames, readUnitText, type UnitIssue } from './unit-read.js';

/** Drop-ins applied to one unit at most: more is an issue (a job-owned dir of them must not make the audit read without end). */
export const MAX_DROPINS = 256;

const TYPE_RE = /\.([a-z]+)$/;

/**
 * The names whose `.d` dirs hold drop-ins for `name`, most specific first,
 * as systemd's unit_file_find_dirs (src/shared/dropin.c) builds them: the
 * name; for an instance (foo@bar.service) its template (foo@.service); then
 * the name cut after each dash, keeping the instance (foo-bar-baz.service:
 * foo-bar-.service, foo-.service), each of those again.
 */
export function dropInNames(name: string, depth = 0): string[] {
  const type = TYPE_RE.exec(name)?.[1];
  if (!type || depth > 64) return [name];
  const out = [name];
  const at = name.indexOf('@');
  const instance = at >= 0 ? name.slice(at + 1, name.length - type.length - 1) : '';
  if (at >= 0 && instance !== '') out.push(...dropInNames(`${name.slice(0, at)}@.${type}`, depth + 1));
  let prefix = at >= 0 ? name.slice(0, at) : name.slice(0, name.length - type.length - 1);
  // A trailing dash is cut once ("foo-bar-" goes on as "foo-bar"); a leading one ends the search.
  let chopped = false;
  for (;;) {
    const dash = prefix.lastIndexOf('-');
    if (dash <= 0) return dedupe(out);
    if (dash + 1 < prefix.length || chopped) {
      prefix = prefix.slice(0, dash + 1);
      break;
    }
    prefix = prefix.slice(0, dash);
    chopped = true;
  }
  out.push(...dropInNames(`${prefix}${instance ? `@${instance}` : ''}.${type}`, depth + 1));
  return dedupe(out);
}

const dedupe = (xs: string[]) => [...new Set(xs)];

/**
 * The drop-in dirs systemd reads for `name`, highest precedence first: every
 * unit dir's `<n>.d` for each of dropInNames, then every unit dir's
 * type-level dir (`service.d`), the most generic, last.
 */
export function dropInDirs(unitDirs: readonly string[], name: string): string[] {
  const type = TYPE_RE.exec(name)?.[1];
  const names = dropInNames(name);
  const dirs = unitDirs.flatMap((d) => names.map((n) => `${d}/${n}.d`));
  if (type) dirs.push(...unitDirs.map((d) => `${d}/${type}.d`));
  return dirs;
}

export interface DropIns {
  /** What applies, in the order systemd applies it (file name), each path from the dir that wins that name. */
  applied: Array<{ path: string; text: string | null }>;
  issues: UnitIssue[];
}

/**
 * The drop-ins of `name` as systemd merges them (systemd.unit(5)): every
 * `*.conf` of every dir of dropInDirs, by file name across dirs; a name in a
 * higher-precedence dir masks the same name lower down, and one that links
 * to /dev/null (or is empty) masks it and adds nothing. What could not be
 * read, or can be rewritten by a user other than root, is an issue.
 */
export async function collectDropIns(fs: HostFs, unitDirs: readonly string[], name: string): Promise<DropIns> {
  const cache = new Map<string, string | null>();
  const byName = new Map<string, string>();
  const issues: UnitIssue[] = [];
  // Most unit dirs do not exist on a given host: their .d dirs are not probed one by one. The rest are listed
  // together (lstat-bound: the wall time of ~40 sequential probes per unit is what a scan of every unit pays).
  const present = (await Promise.all(unitDirs.map(async (d) => ((await fs.stat(d).catch(() => null))?.kind === 'dir' ? d : null)))).filter((d): d is string => d !== null);
  const dirs = dropInDirs(present, name);
  const listings = await Promise.all(dirs.map((d) => listConfNames(fs, d, cache)));
  for (const [i, dir] of dirs.entries()) {
    const listed = listings[i];
    if (!listed) continue;
    if (listed.issue) issues.push(listed.issue);
    for (const n of listed.names) if (!byName.has(n)) byName.set(n, `${dir}/${n}`);
  }
  const applied: DropIns['applied'] = [];
  const names = [...byName.keys()].sort();
  if (names.length > MAX_DROPINS) issues.push({ path: byName.get(names[MAX_DROPINS]!)!, kind: 'unread', reason: `more than ${MAX_DROPINS} drop-ins apply: those after ${names[MAX_DROPINS - 1]} not read` });
  for (const n of names.slice(0, MAX_DROPINS)) {
    const path = byName.get(n)!;
    const r = await readUnitText(fs, path, cache);
    if (!r) continue;
    if ('unread' in r) {
      issues.push({ path, kind: 'unread', reason: r.unread });
      continue;
    }
    if (r.untrusted) issues.push({ path, kind: 'untrusted', reason: r.untrusted });
    applied.push({ path, text: 'text' in r ? r.text : null });
  }
  return { applied, issues };
}
