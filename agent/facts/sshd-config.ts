import path from 'node:path';
import { describeCode, isHostError, type HostFs, type UserDb } from '../host/index.js';
import { globPaths } from '../util/glob.js';
import { expandTilde, matchLine, splitArgs, type MatchUser } from './sshd-syntax.js';

export type { MatchUser };

/**
 * sshd_config read with sshd's own rules (servconf.c): keywords are
 * case-insensitive, the first value obtained wins, `Include` globs expand in
 * lexical order at the point where they are written (relative to /etc/ssh),
 * an included file cannot change its includer's Match state, and a `Match`
 * block applies only to the connections it matches (`Match all` to all).
 */

export const SSHD_CONFIG = '/etc/ssh/sshd_config';
const SSHDIR = '/etc/ssh';
const MAX_DEPTH = 16;

/** Keywords this agent evaluates; every other keyword is read past. */
export const TRACKED = ['permitrootlogin', 'passwordauthentication', 'authorizedkeysfile'] as const;
export type Tracked = (typeof TRACKED)[number];

const VALUES: Partial<Record<Tracked, Record<string, string>>> = {
  // without-password is the deprecated spelling of prohibit-password.
  permitrootlogin: { yes: 'yes', no: 'no', 'prohibit-password': 'prohibit-password', 'without-password': 'prohibit-password', 'forced-commands-only': 'forced-commands-only' },
  passwordauthentication: { yes: 'yes', no: 'no' },
};

export interface Directive {
  keyword: Tracked;
  /** Normalised value(s): lower-case states, AuthorizedKeysFile paths with ~ expanded. */
  args: string[];
  file: string;
  line: number;
  /** The Match line governing it, if any ("Match User ci" at file:line). */
  match?: string;
}

export interface SshdParse {
  values: Map<Tracked, Directive>;
  /** Tracked keywords set inside Match blocks that did not apply (evidence). */
  inactive: Directive[];
  files: string[];
  /** What would make sshd refuse to start ("file:line: ..."). */
  errors: string[];
}

interface Pass {
  conn: MatchUser | null;
  values: Map<Tracked, Directive>;
  inactive: Directive[];
  /** file:line of every tracked directive that applied in this pass. */
  applied: Set<string>;
}

interface Frame {
  file: string;
  matchOnly: boolean;
  neverMatch: boolean;
  /** The includer's Match line, for a file included inside a Match block. */
  within?: string;
}

class Parser {
  readonly files: string[] = [];
  readonly errors: string[] = [];
  private readonly cache = new Map<string, string>();
  /** An Include loop: sshd stops at once; so do we, before a fan-out loop explodes. */
  private aborted = false;

  constructor(
    private readonly fs: HostFs,
    private readonly users: UserDb,
  ) {}

  private async read(file: string, included: boolean): Promise<string | null> {
    if (this.cache.has(file)) return this.cache.get(file)!;
    let text: string;
    try {
      text = await this.fs.readText(file, { maxBytes: 1024 * 1024 });
    } catch (err) {
      if (included && isHostError(err, 'EISDIR')) text = ''; // a glob can match a directory: sshd reads it as empty
      else {
        this.errors.push(`${file}: ${isHostError(err) ? describeCode(err.code) : String(err)}`);
        return null;
      }
    }
    if (text.includes('\u0000')) {
      this.errors.push(`${file}: binary data, not an sshd_config`);
      return null;
    }
    this.cache.set(file, text);
    if (!this.files.includes(file)) this.files.push(file);
    return text;
  }

  async run(main: string, pass: Pass): Promise<void> {
    const state = { active: pass.conn === null, match: undefined as string | undefined };
    const text = await this.read(main, false);
    if (text !== null) await this.parse(text, { file: main, matchOnly: pass.conn !== null, neverMatch: false }, state, pass, 0);
  }

  private async parse(text: string, frame: Frame, state: { active: boolean; match?: string }, pass: Pass, depth: number): Promise<void> {
    const lines = text.split('\n');
    for (let n = 0; n < lines.length && !this.aborted; n++) {
      const where = `${frame.file}:${n + 1}`;
      const line = lines[n]!.replace(/^[ \t\r]+/, '').replace(/[ \t\r\n\f]+$/, '');
      const kw = /^[^ \t"=]*/.exec(line)![0];
      if (kw === '' || kw.startsWith('#')) continue;
      const rest = line.slice(kw.length).replace(/^[ \t]*(=[ \t]*)?/, '');
      if (rest === '') {
        this.errors.push(`${where}: no argument after keyword "${kw}"`);
        continue;
      }
      const args = splitArgs(rest);
      if (!args) {
        this.errors.push(`${where}: invalid quotes`);
        continue;
      }
      const keyword = kw.toLowerCase();
      if (keyword === 'match') {
        const m = matchLine(args, frame.neverMatch ? null : pass.conn);
        if (m === null) this.errors.push(`${where}: bad Match condition "${rest}"`);
        state.active = frame.neverMatch ? false : m === true;
        state.match = `Match ${args.join(' ')} (${where})${frame.within ? ` within ${frame.within}` : ''}`;
        frame.matchOnly = false;
      } else if (keyword === 'include') {
        if (depth >= MAX_DEPTH) {
          this.errors.push(`${where}: too many nested Includes (more than ${MAX_DEPTH}; an Include loop?)`);
          this.aborted = true;
          continue;
        }
        if (args.length === 0 || args.includes('')) this.errors.push(`${where}: Include without a file name`);
        for (const arg of args.filter((a) => a !== '')) {
          const pattern = arg.startsWith('/') || arg.startsWith('~') ? arg : path.posix.join(SSHDIR, arg);
          const outer = { ...state };
          const child: Omit<Frame, 'file'> = { matchOnly: frame.matchOnly, neverMatch: !frame.matchOnly && !outer.active, within: outer.active ? undefined : outer.match };
          for (const file of await globPaths(this.fs, path.posix.normalize(pattern))) {
            const included = await this.read(file, true);
            if (included !== null) await this.parse(included, { file, ...child }, state, pass, depth + 1);
            Object.assign(state, outer); // an included file never changes its includer's Match state
          }
        }
      } else if ((TRACKED as readonly string[]).includes(keyword)) {
        this.setting(keyword as Tracked, args, where, frame.file, n + 1, state, pass);
      }
    }
  }

  private setting(keyword: Tracked, args: string[], where: string, file: string, line: number, state: { active: boolean; match?: string }, pass: Pass): void {
    let values: string[];
    const states = VALUES[keyword];
    if (states) {
      if (args.length !== 1) return void this.errors.push(`${where}: ${keyword} takes exactly one argument`);
      const v = states[args[0]!.toLowerCase()];
      if (!v) return void this.errors.push(`${where}: unsupported ${keyword} value "${args[0]}"`);
      values = [v];
    } else {
      if (args.length === 0 || args.includes('')) return void this.errors.push(`${where}: ${keyword} without a file name`);
      values = [];
      for (const a of args) {
        const e = expandTilde(a, this.users);
        if (typeof e !== 'string') return void this.errors.push(`${where}: ${e.error}`);
        values.push(e);
      }
    }
    const d: Directive = { keyword, args: values, file, line, match: state.match };
    if (state.active) {
      pass.applied.add(`${file}:${line}`);
      if (!pass.values.has(keyword)) pass.values.set(keyword, d);
    } else if (!pass.conn) pass.inactive.push(d);
  }
}

/**
 * Effective values of the tracked keywords, as sshd computes them for a
 * connection: the global pass (first value wins, Match blocks skipped), then
 * the Match pass whose values override it. Without `user` that is what
 * `sshd -T` prints (only `Match all` blocks apply); with `user`, what
 * `sshd -T -C user=<name>` prints (Match User and Group too; blocks on
 * address, host or port never match a connection known only by its user).
 */
export async function parseSshdConfig(fs: HostFs, users: UserDb, main = SSHD_CONFIG, user?: MatchUser): Promise<SshdParse> {
  const parser = new Parser(fs, users);
  const global: Pass = { conn: null, values: new Map(), inactive: [], applied: new Set() };
  await parser.run(main, global);
  const values = new Map(global.values);
  let inactive = global.inactive;
  if (parser.errors.length === 0) {
    const matched: Pass = { conn: user ?? { name: null, groups: [] }, values: new Map(), inactive: [], applied: new Set() };
    await parser.run(main, matched);
    for (const [k, d] of matched.values) values.set(k, d);
    inactive = inactive.filter((d) => !matched.applied.has(`${d.file}:${d.line}`));
  }
  return { values, inactive, files: parser.files, errors: parser.errors };
}
