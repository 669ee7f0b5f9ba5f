import path from 'node:path';
import type { User } from '../../agent/host/index.js';

export interface AuthorizedKey {
  line: number;
  type: string;
  /** Option names only ("restrict", "from", "command"): their values may hold secrets. */
  options: string[];
}

export interface AuthorizedKeys {
  keys: AuthorizedKey[];
  /** Non-comment lines sshd would not read as a key. */
  junk: number[];
}

const KEY_TYPE = /^(ssh-[a-z0-9-]+|ecdsa-sha2-[a-z0-9-]+|sk-[a-z0-9-]+@openssh\.com|[a-z0-9-]+-cert-v01@openssh\.com)$/;
const BLOB = /^[A-Za-z0-9+/]{16,}={0,3}$/;

/** Splits off the options field: up to the first unquoted blank. */
function splitOptions(line: string): [string, string] {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\' && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if (!quoted && (c === ' ' || c === '\t')) return [line.slice(0, i), line.slice(i).trimStart()];
  }
  return [line, ''];
}

function asKey(fields: string[]): boolean {
  return KEY_TYPE.test(fields[0] ?? '') && BLOB.test(fields[1] ?? '');
}

/** authorized_keys (sshd(8) AUTHORIZED_KEYS FILE FORMAT): `[options] keytype base64 [comment]` per line. */
export function parseAuthorizedKeys(text: string): AuthorizedKeys {
  const out: AuthorizedKeys = { keys: [], junk: [] };
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    if (asKey(fields)) return void out.keys.push({ line: i + 1, type: fields[0]!, options: [] });
    const [opts, rest] = splitOptions(line);
    const after = rest.split(/\s+/);
    if (asKey(after)) {
      const names = opts
        .replace(/"(?:[^"\\]|\\.)*"/g, '""')
        .split(',')
        .map((o) => o.split('=')[0]!.toLowerCase())
        .filter((o) => o !== '');
      return void out.keys.push({ line: i + 1, type: after[0]!, options: [...new Set(names)] });
    }
    out.junk.push(i + 1);
  });
  return out;
}

/**
 * An AuthorizedKeysFile entry for `user`, as sshd expands it: %% %h %u %U,
 * and a relative path is relative to the home directory. Null for an unknown token.
 */
export function expandKeysFile(entry: string, user: User): string | null {
  let expanded = '';
  for (let i = 0; i < entry.length; i++) {
    if (entry[i] !== '%') {
      expanded += entry[i];
      continue;
    }
    const token = ({ '%': '%', h: user.home, u: user.name, U: String(user.uid) } as Record<string, string>)[entry[++i] ?? ''];
    if (token === undefined) return null;
    expanded += token;
  }
  return expanded.startsWith('/') ? path.posix.normalize(expanded) : path.posix.join(user.home, expanded);
}

/** "2 keys: line 1 ssh-ed25519 [restrict], line 3 ssh-rsa" */
export function describeKeys(file: string, parsed: AuthorizedKeys): string {
  const keys = parsed.keys.map((k) => `line ${k.line} ${k.type}${k.options.length ? ` [${k.options.join(',')}]` : ''}`);
  const junk = parsed.junk.length ? `; not keys (ignored by sshd): line ${parsed.junk.join(', ')}` : '';
  return `${file}: ${parsed.keys.length} key${parsed.keys.length === 1 ? '' : 's'}${keys.length ? `: ${keys.join(', ')}` : ''}${junk}`;
}
