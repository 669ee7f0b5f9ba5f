import path from 'node:path';
import { describeCode, isHostError, type HostFs } from '../../agent/host/index.js';

/** One user specification line of a sudoers file. */
export interface SudoRule {
  file: string;
  line: number;
  users: string[];
  text: string;
}

export interface Sudoers {
  rules: SudoRule[];
  userAliases: Map<string, string[]>;
  /** Files read, in order. */
  files: string[];
  /** Unreadable or broken files (the check reports them as errors). */
  errors: string[];
}

const MAX_DEPTH = 16;

function splitList(s: string): string[] {
  return s.split(',').map((x) => x.trim()).filter(Boolean);
}

/** Logical lines: continuations joined, comments dropped (a `#` before digits is a uid, `#include` a directive). */
function logicalLines(text: string): Array<{ line: number; text: string }> {
  const out: Array<{ line: number; text: string }> = [];
  const raw = text.split('\n');
  for (let i = 0; i < raw.length; i++) {
    const start = i + 1;
    let l = raw[i]!;
    while (/\\\s*$/.test(l) && i + 1 < raw.length) l = l.replace(/\\\s*$/, ' ') + raw[++i]!;
    const t = l.trim();
    if (/^#include(dir)?\s/.test(t)) {
      out.push({ line: start, text: t });
      continue;
    }
    const body = t.replace(/(^|\s)#(?!\d).*$/, '').trim();
    if (body) out.push({ line: start, text: body });
  }
  return out;
}

/**
 * Reads /etc/sudoers and what it includes (@include, @includedir and the old
 * #include forms), the way sudo does: includedir skips names ending in `~` or
 * containing a dot, in lexical order; relative paths are relative to the
 * including file's directory.
 */
export async function loadSudoers(fs: HostFs, main = '/etc/sudoers'): Promise<Sudoers | null> {
  const result: Sudoers = { rules: [], userAliases: new Map(), files: [], errors: [] };
  const visited = new Set<string>();
  async function read(file: string, depth: number, required: boolean): Promise<void> {
    if (depth > MAX_DEPTH || visited.has(file)) return;
    visited.add(file);
    let text: string;
    try {
      text = await fs.readText(file, { maxBytes: 1024 * 1024 });
    } catch (err) {
      if (!required && isHostError(err, 'ENOENT')) return;
      result.errors.push(`${file}: ${isHostError(err) ? describeCode(err.code) : String(err)}`);
      return;
    }
    if (text.includes('\u0000')) {
      result.errors.push(`${file}: binary data, not a sudoers file`);
      return;
    }
    result.files.push(file);
    for (const { line, text: l } of logicalLines(text)) {
      const inc = /^[@#](include|includedir)\s+(.+)$/.exec(l);
      if (inc) {
        const target = path.posix.resolve(path.posix.dirname(file), inc[2]!.trim().replace(/^"|"$/g, ''));
        if (inc[1] === 'include') await read(target, depth + 1, true);
        else {
          let names: string[] = [];
          try {
            names = (await fs.readdir(target)).filter((e) => e.kind !== 'dir').map((e) => e.name);
          } catch {
            continue; // a missing includedir is not an error for sudo either
          }
          for (const n of names.filter((x) => !x.endsWith('~') && !x.includes('.')).sort()) await read(`${target}/${n}`, depth + 1, false);
        }
        continue;
      }
      if (/^Defaults\b/.test(l)) continue;
      const alias = /^(User_Alias|Runas_Alias|Host_Alias|Cmnd_Alias|Cmd_Alias)\s+(.+)$/.exec(l);
      if (alias) {
        if (alias[1] === 'User_Alias') {
          for (const def of alias[2]!.split(':')) {
            const m = /^\s*([A-Z][A-Z0-9_]*)\s*=\s*(.+)$/.exec(def);
            if (m) result.userAliases.set(m[1]!, splitList(m[2]!));
          }
        }
        continue;
      }
      const spec = /^(.+?)\s+[^\s=]+(\s*,\s*[^\s=]+)*\s*=/.exec(l);
      if (spec) result.rules.push({ file, line, users: splitList(spec[1]!), text: l });
    }
  }
  if (!(await fs.exists(main))) return null;
  await read(main, 0, true);
  return result;
}

export interface Principal {
  name: string;
  uid: number | undefined;
  groups: Array<{ name: string; gid: number }>;
}

/** Whether a sudoers user list matches the principal (last match wins, `!` negates). */
export function userListMatches(list: string[], who: Principal, aliases: Map<string, string[]>, depth = 0): boolean {
  let matched = false;
  for (const raw of list) {
    const neg = raw.startsWith('!');
    const item = neg ? raw.slice(1).trim() : raw;
    let hit = false;
    if (item === 'ALL' || item === who.name) hit = true;
    else if (/^#\d+$/.test(item)) hit = who.uid === Number(item.slice(1));
    else if (/^%#\d+$/.test(item)) hit = who.groups.some((g) => g.gid === Number(item.slice(2)));
    else if (item.startsWith('%:')) hit = false; // non-Unix group: not resolvable offline
    else if (item.startsWith('%')) hit = who.groups.some((g) => g.name === item.slice(1));
    else if (aliases.has(item) && depth < 8) hit = userListMatches(aliases.get(item)!, who, aliases, depth + 1);
    if (hit) matched = !neg;
  }
  return matched;
}
