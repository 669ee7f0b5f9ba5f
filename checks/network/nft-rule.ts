import type { Action, Match, Rule } from './model.js';
import { portOperator, selector, selectorMatches, VERDICTS, type Selector } from './nft-common.js';
import type { Tok } from './nft-lex.js';

/** Named sets of the table a rule is in: elements, or null when they cannot be followed. */
export type SetLookup = (name: string) => string[] | null | undefined;

const OPS = new Set(['==', '!=', 'eq', 'ne', '<', '>', '<=', '>=', 'lt', 'gt', 'le', 'ge']);
const META_KEYS = new Set(['skuid', 'skgid', 'iifname', 'oifname', 'iif', 'oif', 'l4proto', 'nfproto', 'mark', 'iiftype', 'oiftype', 'protocol', 'pkttype', 'cgroup', 'priority', 'length']);
const PROTOS = new Set(['ip', 'ip6', 'tcp', 'udp', 'sctp', 'dccp', 'udplite', 'th', 'icmp', 'icmpv6', 'ether', 'vlan', 'arp', 'ah', 'esp', 'comp', 'rt', 'frag', 'hbh', 'dst', 'mh', 'exthdr', 'gre', 'geneve', 'vxlan']);
const STATEMENTS = new Set(['counter', 'log', 'limit', 'comment', 'notrack', 'masquerade', 'snat', 'dnat', 'redirect', 'dup', 'fwd', 'queue', 'jump', 'goto', 'tproxy', 'synproxy', 'quota']);
/** Where an expression of an unknown kind may end. */
const STARTS = new Set([...PROTOS, ...STATEMENTS, ...META_KEYS, ...Object.keys(VERDICTS), 'meta', 'ct', 'reject', 'fib', 'socket', 'rt']);

const show = (t: Tok) => (t.quoted ? `"${t.v}"` : t.v);

/**
 * One nftables rule (text syntax) into the common model. Constructs this
 * model does not follow become opaque matches; a verdict map becomes one
 * rule per element.
 */
export function parseNftRule(toks: Tok[], expanded: Tok[], sets: SetLookup, origin: string): Rule[] {
  const text = toks.map(show).join(' ').replace(/ ,/g, ',');
  const matches: Match[] = [];
  let action: Action = { type: 'continue' };
  let vmap: Array<{ match: Match[]; action: Action }> | null = null;
  const c = expanded;
  let i = 0;
  const word = (k = 0) => (c[i + k] && !c[i + k]!.quoted ? c[i + k]!.v : undefined);
  const opaqueUntilKnown = (from: number) => {
    const start = from;
    while (i < c.length && !(i > start && STARTS.has(word() ?? ''))) i++;
    return c.slice(start, i).map(show).join(' ');
  };
  while (i < c.length) {
    const w = word();
    const start = i;
    let sel: Selector | null | undefined;
    if ((w === 'meta' || w === 'ct') && word(2) === 'set') i += 4; // meta mark set 1: a statement
    else if (w === 'mark' && word(1) === 'set') i += 3;
    else if (w === 'meta') {
      sel = selector('meta', word(1) ?? '');
      i += 2;
    } else if (w !== undefined && META_KEYS.has(w)) {
      sel = selector('meta', w);
      i += 1;
    } else if (w === 'ct' || (w !== undefined && PROTOS.has(w))) {
      sel = selector(w, word(1) ?? '');
      i += 2;
    } else if (w === 'reject' || w === 'queue') {
      action = { type: VERDICTS[w]! } as Action;
      i++;
      while (i < c.length && word() !== 'comment') i++; // "with icmpx type admin-prohibited", queue options
      continue;
    } else if (w !== undefined && VERDICTS[w]) {
      action = { type: VERDICTS[w]! } as Action;
      i++;
      continue;
    } else if (w === 'jump' || w === 'goto') {
      action = { type: w, target: c[i + 1]?.v ?? '' };
      i += 2;
      continue;
    } else if (w === 'counter') {
      i++;
      if (word() === 'packets') i += 4;
      else if (word() === 'name') i += 2;
      continue;
    } else if (w === 'comment') {
      i += 2;
      continue;
    } else if (w === 'log') {
      i++;
      while (['prefix', 'level', 'flags', 'group', 'snaplen', 'queue-threshold'].includes(word() ?? '')) {
        i += 2;
        while (word() === ',') i += 2;
      }
      continue;
    } else if (w === 'limit' || w === 'quota') {
      matches.push({ key: 'opaque', neg: false, values: [], text: opaqueUntilKnown(i) });
      continue;
    } else {
      const t = opaqueUntilKnown(i);
      if (!STATEMENTS.has(w ?? '')) matches.push({ key: 'opaque', neg: false, values: [], text: t });
      continue;
    }
    if (sel === undefined) continue; // a `set` statement
    const firstKey = sel?.key;
    let concat = false;
    while (word() === '.') {
      // ip daddr . tcp dport { ... }: a concatenation, beyond this model
      concat = true;
      i += word(1) === 'meta' || word(1) === 'ct' || PROTOS.has(word(1) ?? '') ? 3 : 2;
    }
    if (concat) sel = null;
    // selector [op] value | selector vmap { k : verdict, ... }
    let op = '==';
    if (word() !== undefined && OPS.has(word()!)) op = c[i++]!.v;
    if (word() === 'vmap') {
      i++;
      const els = elements(c, i, sets);
      i = els.end;
      const seltext = c.slice(start, i).map(show).join(' ');
      vmap = els.items
        ? els.items.map(({ value, verdict }) => ({ match: build(sel ?? null, '==', value, seltext), action: verdictOf(verdict) }))
        : [{ match: [{ key: 'opaque', neg: false, values: [], text: seltext }], action: { type: 'continue' } }];
      continue;
    }
    const val = elements(c, i, sets);
    i = val.end;
    const mtext = c.slice(start, i).map(show).join(' ').replace(/ ,/g, ',');
    if (val.values === null) {
      const narrows = firstKey === 'daddr' || firstKey === 'dport';
      matches.push({ key: 'opaque', neg: false, values: [], narrowsDestination: narrows, text: mtext });
    } else matches.push(...build(sel ?? null, op, val.values, mtext));
  }
  if (vmap) return vmap.map((el) => ({ matches: [...matches, ...el.match], action: el.action, text, origin, dialect: 'nft' as const }));
  return [{ matches, action, text, origin, dialect: 'nft' }];
}

function verdictOf(words: string[]): Action {
  const w = words[0] ?? '';
  if (w === 'jump' || w === 'goto') return { type: w, target: words[1] ?? '' };
  if (w === 'reject') return { type: 'reject' };
  return VERDICTS[w] ? ({ type: VERDICTS[w]! } as Action) : { type: 'continue' };
}

function build(sel: Selector | null, op: string, values: string[], text: string): Match[] {
  if (!sel) return [{ key: 'opaque', neg: false, values: [], text }];
  let vs = values;
  if ((sel.key === 'dport' || sel.key === 'sport') && vs.length === 1 && /^\d+$/.test(vs[0]!) && portOperator(op, Number(vs[0])) !== null) {
    vs = [portOperator(op, Number(vs[0]))!];
    op = '==';
  }
  if (!['==', '!=', 'eq', 'ne'].includes(op)) return [{ key: 'opaque', neg: false, values: [], text }];
  return selectorMatches(sel, op === '!=' || op === 'ne', vs, text);
}

interface Elements {
  end: number;
  /** Plain values; null when a value cannot be followed (a concatenation, an unknown set). */
  values: string[] | null;
  /** Verdict-map items. */
  items?: Array<{ value: string[]; verdict: string[] }> | null;
}

/** A value: `x`, `a,b` (flag lists), `{ a, b-c, d/8 }`, `@set`, or a map `{ k : verdict, ... }`. */
function elements(c: Tok[], i: number, sets: SetLookup): Elements {
  const one = (t: Tok): string[] | null => {
    if (!t.quoted && t.v.startsWith('@')) return sets(t.v.slice(1)) ?? null;
    return [t.v.replace(/:$/, '')];
  };
  if (c[i]?.v === '{' && !c[i]!.quoted) {
    const values: string[] = [];
    const items: Array<{ value: string[]; verdict: string[] }> = [];
    let ok = true;
    let j = i + 1;
    while (j < c.length && !(c[j]!.v === '}' && !c[j]!.quoted)) {
      const el: Tok[] = [];
      while (j < c.length && !(!c[j]!.quoted && (c[j]!.v === ',' || c[j]!.v === '}'))) if (c[j++]!.v !== '\n') el.push(c[j - 1]!);
      if (c[j]?.v === ',') j++;
      if (el.length === 0) continue;
      const colon = el.findIndex((t, k) => t.v === ':' || (k === 0 && t.v.endsWith(':') && !t.v.includes('::')));
      const key = colon < 0 ? el : el.slice(0, Math.max(colon, 1));
      const v = key.length === 1 ? one(key[0]!) : null;
      if (!v) ok = false;
      else values.push(...v);
      if (colon >= 0) items.push({ value: v ?? [], verdict: el.slice(colon + 1).map((t) => t.v) });
    }
    return { end: j + 1, values: ok ? values : null, items: items.length ? (ok ? items : null) : undefined };
  }
  const t = c[i];
  if (!t) return { end: i, values: null };
  const values = one(t);
  let j = i + 1;
  const list = values ? [...values] : null;
  while (c[j]?.v === ',' && !c[j]!.quoted && c[j + 1]) {
    const more = one(c[j + 1]!);
    if (list && more) list.push(...more);
    j += 2;
  }
  if (c[j]?.v === '.' && !c[j]!.quoted) return { end: j + 2, values: null }; // a concatenation
  return { end: j, values: list };
}
