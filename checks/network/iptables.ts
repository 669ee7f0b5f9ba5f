import { builtinHook, IPTABLES_PRIORITY, RulesSyntaxError, type Action, type Chain, type Match, type Rule } from './model.js';
import { moduleMatch } from './iptables-matches.js';

export interface IptablesInput {
  text: string;
  family: 'ip' | 'ip6';
  /** "iptables-nft-save" or "/etc/iptables/rules.v4". */
  origin: string;
  /** A file: origins get ":<line>" so evidence points at the line. */
  file: boolean;
}

export interface IptablesParse {
  chains: Chain[];
  /** Tables the dump held (to drop the same tables from `nft -j` output). */
  tables: string[];
}

interface Token {
  v: string;
  quoted: boolean;
}

/** Shell-like words: iptables-save quotes comments ("a b", \" escapes); ufw nests '...' inside. */
export function tokenize(line: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i]!)) i++;
    if (i >= line.length) break;
    let v = '';
    let quoted = false;
    while (i < line.length && !/\s/.test(line[i]!)) {
      const q = line[i]!;
      if (q === '"' || q === "'") {
        quoted = true;
        i++;
        while (i < line.length && line[i] !== q) {
          if (line[i] === '\\' && q === '"' && i + 1 < line.length) i++;
          v += line[i++];
        }
        if (i >= line.length) throw new Error('unterminated quote');
        i++;
      } else v += line[i++];
    }
    out.push({ v, quoted });
  }
  return out;
}

const TERMINAL: Record<string, Action['type']> = { ACCEPT: 'accept', DROP: 'drop', REJECT: 'reject', RETURN: 'return' };

function basic(key: Match['key'], neg: boolean, value: string, text: string, af: 'ip' | 'ip6'): Match {
  const values = key === 'daddr' || key === 'saddr' || key === 'iif' || key === 'oif' ? value.split(',') : [value];
  return { key, neg, values, af: key === 'daddr' || key === 'saddr' ? af : undefined, text };
}

const BASIC: Record<string, Match['key']> = {
  '-p': 'proto', '--protocol': 'proto',
  '-s': 'saddr', '--source': 'saddr', '--src': 'saddr',
  '-d': 'daddr', '--destination': 'daddr', '--dst': 'daddr',
  '-i': 'iif', '--in-interface': 'iif',
  '-o': 'oif', '--out-interface': 'oif',
};

interface RawRule {
  chain: string;
  matches: Match[];
  target?: string;
  gotoTarget?: boolean;
  text: string;
  origin: string;
}

/** One `-A CHAIN ...` line into matches and a target; target options are skipped. */
function parseRule(toks: Token[], family: 'ip' | 'ip6', where: string): RawRule {
  const raw: RawRule = { chain: '', matches: [], text: '', origin: '' };
  const modules: string[] = []; // loaded with -m, latest first
  let inTarget = false;
  let neg = false;
  const args = (i: number): string[] => {
    const out: string[] = [];
    for (let j = i; j < toks.length && (toks[j]!.quoted || (!toks[j]!.v.startsWith('-') && toks[j]!.v !== '!')); j++) out.push(toks[j]!.v);
    return out;
  };
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!.v;
    if (t === '!' && !toks[i]!.quoted) {
      neg = true;
      continue;
    }
    if (t === '-A' || t === '--append' || t === '-I' || t === '--insert') {
      raw.chain = toks[++i]?.v ?? '';
      if (/^\d+$/.test(toks[i + 1]?.v ?? '')) i++; // -I CHAIN <position>
    } else if (t in BASIC) {
      let value = toks[++i]?.v;
      if (value === '!') [neg, value] = [true, toks[++i]?.v]; // old "-d ! addr" form
      if (value === undefined) throw new RulesSyntaxError(where, `${t} needs a value`);
      raw.matches.push(basic(BASIC[t]!, neg, value, `${neg ? '! ' : ''}${t} ${value}`, family));
    } else if (t === '-m' || t === '--match') {
      modules.unshift(toks[++i]?.v ?? '');
      inTarget = false;
    } else if (t === '-j' || t === '--jump' || t === '-g' || t === '--goto') {
      raw.target = toks[++i]?.v;
      if (raw.target === undefined || (raw.target.startsWith('-') && !toks[i]!.quoted)) throw new RulesSyntaxError(where, `${t} needs a target`);
      raw.gotoTarget = t === '-g' || t === '--goto';
      inTarget = true;
    } else if (t === '-c' || t === '--set-counters') {
      i += 2;
    } else if (t === '-f' || t === '--fragment') {
      raw.matches.push({ key: 'opaque', neg, values: [], text: `${neg ? '! ' : ''}-f` });
    } else if (t === '-4' || t === '-6') {
      // family selectors of iptables-restore-translate input: the file already says which
    } else if (t.startsWith('-') && !toks[i]!.quoted) {
      let j = i + 1;
      if (toks[j]?.v === '!' && !toks[j]!.quoted) [neg, j] = [true, j + 1]; // old "--opt ! value" form
      const a = args(j);
      if (!inTarget) {
        const m = optionMatch([...modules, implicitModule(raw.matches)], t, a, neg);
        if (m) raw.matches.push(m);
        if (t === '--suppl-groups') for (const g of raw.matches) if (g.key === 'gid') g.suppl = true;
      }
      i = j + a.length - 1;
    } else {
      throw new RulesSyntaxError(where, `unexpected "${t}"`);
    }
    neg = false;
  }
  if (!raw.chain) throw new RulesSyntaxError(where, 'rule without a chain (-A CHAIN)');
  return raw;
}

/**
 * As iptables does: an option belongs to whichever loaded match knows it
 * (`-p tcp -m iprange --dst-range … --dport 443`: --dport is tcp's), the
 * latest `-m` first, then the protocol's own match.
 */
function optionMatch(modules: string[], option: string, args: string[], neg: boolean): Match | null {
  let unknown: Match | null = null;
  for (const mod of modules) {
    const m = moduleMatch(mod, option, args, neg);
    if (m === null || m.key !== 'opaque' || m.narrowsDestination !== undefined) return m;
    unknown ??= m;
  }
  return unknown ?? moduleMatch('', option, args, neg);
}

/** `-p tcp --dport 443` without `-m tcp`: the protocol loads its own match. */
function implicitModule(ms: Match[]): string {
  return ms.find((m) => m.key === 'proto')?.values[0]?.toLowerCase() ?? '';
}

/** Parses iptables-save / iptables-restore input (the format of rules.v4 and /etc/sysconfig/iptables). */
export function parseIptablesSave(input: IptablesInput): IptablesParse {
  const chains: Chain[] = [];
  const tables: string[] = [];
  let table: string | null = null;
  let current = new Map<string, Chain>();
  let pending: RawRule[] = [];
  const lines = input.text.split('\n');
  const at = (n: number) => (input.file ? `${input.origin}:${n}` : input.origin);
  const commit = (): void => {
    for (const r of pending) {
      const chain = current.get(r.chain) ?? declare(r.chain, '', r.origin);
      chain.rules.push(toRule(r, current, table!));
    }
    chains.push(...current.values());
    pending = [];
    current = new Map();
    table = null;
  };
  const declare = (name: string, policy: string, origin: string, policyText?: string): Chain => {
    const hook = builtinHook(table!, name);
    const c: Chain = { family: input.family, table: table!, name, hook, type: table === 'nat' ? 'nat' : hook ? 'filter' : undefined, priority: IPTABLES_PRIORITY[table!] ?? 0, origin, rules: [] };
    if (policy === 'ACCEPT' || policy === 'DROP') {
      c.policy = policy === 'DROP' ? 'drop' : 'accept';
      c.policyText = policyText;
    }
    current.set(name, c);
    return c;
  };
  for (let n = 1; n <= lines.length; n++) {
    const line = lines[n - 1]!.trim().replace(/^\[\d+:\d+\]\s*/, '');
    if (line === '' || line.startsWith('#')) continue;
    const where = at(n);
    if (line.startsWith('*')) {
      if (table) throw new RulesSyntaxError(where, `table ${line} starts before COMMIT of *${table}`);
      table = line.slice(1).trim();
      tables.push(table);
      continue;
    }
    if (!table) throw new RulesSyntaxError(where, `"${line.slice(0, 40)}" outside a table (no *filter line before it)`);
    if (line === 'COMMIT') {
      commit();
      continue;
    }
    const decl = /^:(\S+)\s+(\S+)/.exec(line);
    if (decl) {
      declare(decl[1]!, decl[2]!, where, line.replace(/\s*\[\d+:\d+\]$/, ''));
      continue;
    }
    let toks: Token[];
    try {
      toks = tokenize(line);
    } catch (err) {
      throw new RulesSyntaxError(where, (err as Error).message);
    }
    const cmd = toks[0]?.v;
    if (cmd === '-N' || cmd === '--new-chain') declare(toks[1]?.v ?? '', '', where);
    else if (cmd === '-P' || cmd === '--policy') declare(toks[1]?.v ?? '', toks[2]?.v ?? '', where, line);
    else if (cmd === '-A' || cmd === '--append' || cmd === '-I' || cmd === '--insert') {
      const raw = parseRule(toks, input.family, where);
      raw.text = line;
      raw.origin = where;
      if (cmd === '-I' || cmd === '--insert') pending.unshift(raw);
      else pending.push(raw);
    } else throw new RulesSyntaxError(where, `unexpected "${line.slice(0, 40)}"`);
  }
  if (table) throw new RulesSyntaxError(at(lines.length), `no COMMIT for *${table}`);
  return { chains, tables };
}

function toRule(r: RawRule, chains: Map<string, Chain>, table: string): Rule {
  let action: Action = { type: 'continue' };
  if (r.target && TERMINAL[r.target]) action = { type: TERMINAL[r.target]! } as Action;
  else if (r.target && chains.has(r.target)) action = { type: r.gotoTarget ? 'goto' : 'jump', target: r.target };
  // Anything else (LOG, MARK, CT, NFLOG...) lets the packet go on.
  const text = table === 'filter' ? r.text : `-t ${table} ${r.text}`;
  return { matches: r.matches, action, text, origin: r.origin, dialect: 'iptables' };
}
