import { RulesSyntaxError, type Chain, type Family, type Hook } from './model.js';
import { Cursor, lexNft, type IncludeResolver, type Tok } from './nft-lex.js';
import { parsePriority } from './nft-common.js';
import { parseNftRule } from './nft-rule.js';

const FAMILIES = new Set(['ip', 'ip6', 'inet', 'arp', 'bridge', 'netdev']);

interface State {
  chains: Map<string, Chain>;
  sets: Map<string, string[] | null>;
  defines: Map<string, Tok[]>;
  /** Rules are parsed once every set is known (a set may be declared after the chain using it). */
  pending: Array<{ chain: Chain; toks: Tok[] }>;
}

/**
 * Parses nftables text syntax (`/etc/nftables.conf` and what it includes):
 * tables, chains with `type filter hook output priority 0; policy drop;`,
 * sets, defines, and rules in both the block form and `add rule` commands.
 */
export function parseNftText(text: string, file: string, include: IncludeResolver): Chain[] {
  const c = new Cursor(lexNft(text, file, include));
  const st: State = { chains: new Map(), sets: new Map(), defines: new Map(), pending: [] };
  for (c.skipEnds(); c.peek(); c.skipEnds()) topLevel(c, st);
  for (const p of st.pending) {
    const where = `${p.toks[0]!.file}:${p.toks[0]!.line}`;
    const setsOf = (name: string) => st.sets.get(`${p.chain.family} ${p.chain.table} ${name}`);
    p.chain.rules.push(...parseNftRule(p.toks, expand(p.toks, st.defines, where), setsOf, where));
  }
  return [...st.chains.values()];
}

function family(c: Cursor): Family {
  const t = c.peek();
  return t && !t.quoted && FAMILIES.has(t.v) && c.peek(1) && !c.peek(1)!.punct ? (c.next().v as Family) : 'ip';
}

function topLevel(c: Cursor, st: State): void {
  const t = c.next();
  const w = t.quoted ? '' : t.v;
  const verb = ['add', 'create', 'insert'].includes(w) ? w : null;
  const obj = verb ? c.next().v : w;
  if (w === 'define' || w === 'redefine') {
    const name = c.next().v;
    c.expect('=');
    st.defines.set(name, c.statement());
  } else if (w === 'undefine') st.defines.delete(c.next().v);
  else if (w === 'flush' && c.is('ruleset')) {
    c.next();
    st.chains.clear();
    st.sets.clear();
    st.pending = [];
  } else if (['flush', 'delete', 'destroy', 'reset', 'list'].includes(w)) {
    // Loading order effects beyond `flush ruleset` are not modelled; the statement is skipped.
    c.statement();
  } else if (obj === 'table') {
    const fam = family(c);
    const name = c.next().v;
    if (c.is('{')) tableBody(c, st, fam, name);
  } else if (obj === 'chain') {
    const fam = family(c);
    const table = c.next().v;
    const chain = getChain(st, fam, table, c.next(), c);
    if (c.is('{')) {
      c.next();
      chainBody(c, st, chain);
    }
  } else if (obj === 'rule') {
    const fam = family(c);
    const table = c.next().v;
    const name = c.next();
    const chain = st.chains.get(`${fam} ${table} ${name.v}`);
    if (!chain) throw new RulesSyntaxError(c.where(name), `rule for chain ${fam} ${table} ${name.v}, which is not declared`);
    if (c.is('position') || c.is('handle') || c.is('index')) c.i += 2;
    const toks = c.statement();
    if (verb === 'insert') st.pending.unshift({ chain, toks }); // to the top of its chain
    else st.pending.push({ chain, toks });
  } else if (obj === 'set' || obj === 'map') {
    const fam = family(c);
    const table = c.next().v;
    setBody(c, st, `${fam} ${table} ${c.next().v}`);
  } else if (obj === 'element') {
    const fam = family(c);
    const key = `${fam} ${c.next().v} ${c.next().v}`;
    const els = elementList(c, st);
    const have = st.sets.get(key);
    st.sets.set(key, have === null || els === null ? null : [...(have ?? []), ...els]);
  } else throw new RulesSyntaxError(c.where(t), `unexpected "${t.v}"`);
}

function getChain(st: State, fam: Family, table: string, name: Tok, c: Cursor): Chain {
  const key = `${fam} ${table} ${name.v}`;
  let chain = st.chains.get(key);
  if (!chain) {
    chain = { family: fam, table, name: name.v, priority: 0, origin: c.where(name), rules: [] };
    st.chains.set(key, chain);
  }
  return chain;
}

function tableBody(c: Cursor, st: State, fam: Family, table: string): void {
  c.expect('{');
  for (c.skipEnds(); !c.is('}'); c.skipEnds()) {
    const t = c.next();
    if (t.v === 'chain' && !t.quoted) {
      const chain = getChain(st, fam, table, c.next(), c);
      c.expect('{');
      chainBody(c, st, chain);
    } else if ((t.v === 'set' || t.v === 'map') && !t.quoted) {
      setBody(c, st, `${fam} ${table} ${c.next().v}`);
    } else {
      // flags, comment, counters, quotas, flowtables...: not part of the filtering model
      c.statement();
    }
  }
  c.expect('}');
}

function chainBody(c: Cursor, st: State, chain: Chain): void {
  for (c.skipEnds(); !c.is('}'); c.skipEnds()) {
    const toks = c.statement();
    const first = toks[0];
    if (!first) throw new RulesSyntaxError(c.where(c.peek()), 'unexpected token in chain');
    const where = c.where(first);
    if (first.v === 'type' && !first.quoted) {
      const words = toks.map((t) => t.v);
      const hook = words[words.indexOf('hook') + 1];
      const prio = words.indexOf('priority');
      if (!words.includes('hook') || !hook || prio < 0) throw new RulesSyntaxError(where, 'base chain needs "type <type> hook <hook> priority <priority>"');
      const p = parsePriority(words.slice(prio + 1).join(' '));
      if (p === null) throw new RulesSyntaxError(where, `unknown priority "${words.slice(prio + 1).join(' ')}"`);
      Object.assign(chain, { type: words[1], hook: hook as Hook, priority: p, origin: where });
      chain.policy ??= 'accept';
      chain.policyText ??= `${words.join(' ')}; (policy accept by default)`;
    } else if (first.v === 'policy' && !first.quoted) {
      const p = toks[1]?.v;
      if (p !== 'accept' && p !== 'drop') throw new RulesSyntaxError(where, `policy must be accept or drop, not "${p ?? ''}"`);
      chain.policy = p;
      chain.policyText = `${chain.policyText?.replace(/ \(policy accept by default\)$/, '') ?? ''} policy ${p};`.trim();
    } else if ((first.v === 'comment' || first.v === 'devices' || first.v === 'device') && !first.quoted) {
      continue;
    } else st.pending.push({ chain, toks });
  }
  c.expect('}');
}

function setBody(c: Cursor, st: State, key: string): void {
  c.expect('{');
  let els: string[] | null = [];
  for (c.skipEnds(); !c.is('}'); c.skipEnds()) {
    const t = c.next();
    if (t.v === 'elements' && !t.quoted) {
      c.expect('=');
      const e = elementList(c, st);
      els = els === null || e === null ? null : [...els, ...e];
    } else if (t.v === 'type' && !t.quoted && c.statement().some((x) => x.v === '.')) els = null; // concatenated keys
    else c.statement();
  }
  c.expect('}');
  st.sets.set(key, els);
}

/** `{ a, b-c, d/8 }` (or a `$var` holding one); null when an element is beyond this model. */
function elementList(c: Cursor, st: State): string[] | null {
  const toks = expand(c.statement(), st.defines, c.where(c.peek()));
  const inner = toks.filter((t) => !t.punct || t.v === ',');
  if (inner.some((t) => t.v === '.' || t.v === ':')) return null;
  return inner.filter((t) => t.v !== ',' && !['timeout', 'expires', 'comment'].includes(t.v)).map((t) => t.v);
}

/** Replaces `$name` with the tokens of its `define`. */
function expand(toks: Tok[], defines: Map<string, Tok[]>, where: string, depth = 0): Tok[] {
  if (depth > 8) throw new RulesSyntaxError(where, 'defines nested more than 8 deep');
  return toks.flatMap((t) => {
    if (t.quoted || !t.v.startsWith('$')) return [t];
    const d = defines.get(t.v.slice(1));
    if (!d) throw new RulesSyntaxError(`${t.file}:${t.line}`, `undefined variable ${t.v}`);
    return expand(d, defines, where, depth + 1);
  });
}
