/**
 * sudoers(5) as far as "who may run what" goes: user specifications, User_Alias
 * definitions and include directives. Defaults, Host/Runas/Cmnd aliases and
 * host lists do not change whether a user is granted something, so they are
 * read past, not interpreted.
 */

import { INCLUDE, logicalLines, SudoersSyntaxError, tokenize, type Token } from './sudoers-lex.js';

export interface ListItem {
  negated: boolean;
  /** The item without its `!`s, quotes and escapes resolved ("%sudo", "#998", "ALL", "RUNNERS"). */
  name: string;
}

export interface SudoCommand {
  negated: boolean;
  /** Command and arguments, or ALL / a Cmnd_Alias name. */
  text: string;
}

/** One user specification (a logical line: continuations joined, comment dropped). */
export interface SudoRule {
  file: string;
  line: number;
  text: string;
  users: ListItem[];
  commands: SudoCommand[];
}

export interface SudoInclude {
  kind: 'include' | 'includedir';
  /** As written (unquoted); relative paths and %h are resolved by the loader. */
  path: string;
  line: number;
}

export interface SudoProblem {
  file: string;
  line?: number;
  message: string;
}

export interface ParsedSudoers {
  rules: SudoRule[];
  userAliases: Map<string, ListItem[]>;
  includes: SudoInclude[];
  problems: SudoProblem[];
}

const DEFAULTS = /^Defaults([:@!>\s]|$)/;
const ALIAS = /^(User_Alias|Runas_Alias|Host_Alias|Cmnd_Alias|Cmd_Alias)\s/;
const TAG = /^(NO)?(PASSWD|EXEC|SETENV|LOG_INPUT|LOG_OUTPUT|MAIL|FOLLOW|INTERCEPT)$/;
const OPTION = new Set(['ROLE', 'TYPE', 'APPARMOR_PROFILE', 'CHROOT', 'CWD', 'NOTBEFORE', 'NOTAFTER', 'TIMEOUT', 'PRIVS', 'LIMITPRIVS']);
const DIGEST = /^sha(224|256|384|512)$/;
/** sudo's lexer reads such a word as an alias name, never as a user name. */
export const ALIAS_NAME = /^[A-Z][A-Z0-9_]*$/;

class Cursor {
  pos = 0;
  constructor(readonly toks: Token[]) {}
  peek(ahead = 0): Token | undefined {
    return this.toks[this.pos + ahead];
  }
  is(kind: Token['kind'], ahead = 0): boolean {
    return this.peek(ahead)?.kind === kind;
  }
  word(what: string): string {
    const t = this.toks[this.pos++];
    if (t?.kind !== 'word') throw new SudoersSyntaxError(`expected ${what}`);
    return t.value;
  }
  /** Consumes a `kind` token if it is next. */
  accept(kind: Token['kind']): boolean {
    if (!this.is(kind)) return false;
    this.pos++;
    return true;
  }
  expect(kind: Token['kind']): void {
    if (!this.is(kind)) throw new SudoersSyntaxError(`expected "${kind}"`);
    this.pos++;
  }
  get done(): boolean {
    return this.pos >= this.toks.length;
  }
}

function bangs(c: Cursor): boolean {
  let n = 0;
  while (c.is('!')) {
    c.pos++;
    n++;
  }
  return n % 2 === 1;
}

/** `item, !item, ...` (user, host and alias member lists). */
function list(c: Cursor, what: string): ListItem[] {
  const items: ListItem[] = [];
  do {
    const negated = bangs(c);
    items.push({ negated, name: c.word(what) });
  } while (c.accept(','));
  return items;
}

/** `[(runas)] [OPTION=x] [TAG:] [sha256:digest] [!]command args, ...` up to `:` or the end. */
function commands(c: Cursor): SudoCommand[] {
  const out: SudoCommand[] = [];
  do {
    if (c.is('(')) {
      while (!c.done && !c.is(')')) c.pos++;
      c.expect(')');
    }
    for (;;) {
      const t = c.peek();
      if (t?.kind !== 'word') break;
      if (OPTION.has(t.value) && c.is('=', 1)) c.pos += 3;
      else if (TAG.test(t.value) && c.is(':', 1)) c.pos += 2;
      else if (DIGEST.test(t.value) && c.is(':', 1)) {
        c.pos += 3;
        while (c.is('=')) c.pos++; // base64 padding
      } else break;
    }
    const negated = bangs(c);
    const words = [c.word('a command')];
    while (!c.done && !c.is(',') && !c.is(':')) {
      const t = c.peek()!;
      words.push(t.kind === 'word' ? t.value : t.kind);
      c.pos++;
    }
    out.push({ negated, text: words.join(' ') });
  } while (c.accept(','));
  return out;
}

/** `users hosts = cmnds [: hosts = cmnds]...` */
function userSpec(toks: Token[]): { users: ListItem[]; commands: SudoCommand[] } {
  const c = new Cursor(toks);
  const users = list(c, 'a user');
  const cmnds: SudoCommand[] = [];
  do {
    list(c, 'a host');
    c.expect('=');
    cmnds.push(...commands(c));
  } while (c.accept(':'));
  if (!c.done) throw new SudoersSyntaxError('unexpected text after the command list');
  return { users, commands: cmnds };
}

/** `User_Alias NAME = items [: NAME = items]...` */
function userAliases(toks: Token[], into: Map<string, ListItem[]>): void {
  const c = new Cursor(toks.slice(1));
  do {
    const name = c.word('an alias name');
    if (!ALIAS_NAME.test(name)) throw new SudoersSyntaxError(`bad alias name "${name}"`);
    c.expect('=');
    into.set(name, list(c, 'a user'));
  } while (c.accept(':'));
  if (!c.done) throw new SudoersSyntaxError('unexpected text after the alias');
}

function unquotePath(p: string): string {
  const t = p.trim();
  if (t.startsWith('"') && t.endsWith('"') && t.length > 1) return t.slice(1, -1).replace(/\\(.)/g, '$1');
  return t.replace(/\\(.)/g, '$1');
}

/** Parses one sudoers file's text. Problems carry file:line; the rest of the file still counts. */
export function parseSudoers(text: string, file: string): ParsedSudoers {
  const out: ParsedSudoers = { rules: [], userAliases: new Map(), includes: [], problems: [] };
  for (const { line, text: l } of logicalLines(text)) {
    const inc = INCLUDE.exec(l);
    if (inc) {
      out.includes.push({ kind: inc[1] as SudoInclude['kind'], path: unquotePath(inc[2]!), line });
      continue;
    }
    if (DEFAULTS.test(l)) continue;
    try {
      const alias = ALIAS.exec(l);
      if (alias) {
        if (alias[1] === 'User_Alias') userAliases(tokenize(l), out.userAliases);
        continue;
      }
      out.rules.push({ file, line, text: l, ...userSpec(tokenize(l)) });
    } catch (err) {
      if (!(err instanceof SudoersSyntaxError)) throw err;
      out.problems.push({ file, line, message: `not a valid sudoers line (${err.message}): ${l.length > 80 ? `${l.slice(0, 77)}...` : l}` });
    }
  }
  return out;
}
