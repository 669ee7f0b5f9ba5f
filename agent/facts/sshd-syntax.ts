import type { UserDb } from '../host/index.js';

/** Lexical rules of sshd_config (OpenSSH misc.c and servconf.c), kept apart from the include/Match walk. */

/** The connection a Match is evaluated for, like `sshd -T -C user=<name>` (no address, host or port). */
export interface MatchUser {
  /** Null: a connection nobody is known of (what plain `sshd -T` evaluates). */
  name: string | null;
  groups: string[];
}

/** argv_split(): whitespace-separated, "double" and 'single' quotes, backslash escapes, # starts a comment. */
export function splitArgs(s: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    if (s[i] === ' ' || s[i] === '\t') {
      i++;
      continue;
    }
    if (s[i] === '#') break;
    let arg = '';
    let quote = '';
    for (; i < s.length; i++) {
      const c = s[i]!;
      if (c === '\\' && (s[i + 1] === "'" || s[i + 1] === '"' || s[i + 1] === '\\' || (!quote && s[i + 1] === ' '))) arg += s[++i];
      else if (!quote && (c === ' ' || c === '\t')) break;
      else if (!quote && (c === '"' || c === "'")) quote = c;
      else if (quote && c === quote) quote = '';
      else arg += c;
    }
    if (quote) return null;
    out.push(arg);
  }
  return out;
}

/** match_pattern_list(): comma-separated globs; 1 on a hit, -1 when a `!negated` pattern hits (that always wins), else 0. */
export function matchPatternList(value: string, list: string): -1 | 0 | 1 {
  let hit: 0 | 1 = 0;
  for (const raw of list.split(',')) {
    const negated = raw.startsWith('!');
    const pattern = negated ? raw.slice(1) : raw;
    const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
    if (re.test(value)) {
      if (negated) return -1;
      hit = 1;
    }
  }
  return hit;
}

/** ga_match_pattern_list(): some group hits and no group hits a negated pattern. */
function groupsMatch(groups: string[], list: string): boolean {
  const results = groups.map((g) => matchPatternList(g, list));
  return !results.includes(-1) && results.includes(1);
}

/** match_cfg_line(): null when the line is malformed. A test connection knows only its user. */
export function matchLine(args: string[], conn: MatchUser | null): boolean | null {
  if (args.length === 0) return null;
  if (args[0]!.toLowerCase() === 'all') return args.length === 1 ? true : null;
  let result = true;
  for (let i = 0; i < args.length; i += 2) {
    const attr = args[i]!.toLowerCase();
    const arg = args[i + 1];
    if (arg === undefined || !['user', 'group', 'host', 'address', 'localaddress', 'localport', 'rdomain'].includes(attr)) return null;
    if (!conn) result = false;
    else if (attr === 'user') result &&= conn.name !== null && matchPatternList(conn.name, arg) === 1;
    else if (attr === 'group') result &&= groupsMatch(conn.groups, arg);
    else result = false;
  }
  return result;
}

export function expandTilde(arg: string, users: UserDb): string | { error: string } {
  const m = /^~([^/]*)(\/.*)?$/.exec(arg);
  if (!m) return arg;
  // sshd expands ~ with its own uid's home: root's.
  const home = m[1] ? users.user(m[1])?.home : users.user(0)?.home;
  if (home === undefined) return { error: `no such user "${m[1] || 'root'}" for ${arg}` };
  return `${home.replace(/\/+$/, '')}${m[2] ?? ''}`;
}
