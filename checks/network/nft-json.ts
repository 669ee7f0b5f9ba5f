import { RulesSyntaxError, type Action, type Chain, type Family, type Hook, type Match, type Rule } from './model.js';
import { portOperator, selector, selectorMatches, VERDICTS } from './nft-common.js';

export interface NftParse {
  chains: Chain[];
  tables: Array<{ family: Family; name: string }>;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A JSON right-hand side as value strings; null when it is something this model does not follow. */
function values(v: unknown, sets: Map<string, string[] | null>): string[] | null {
  if (typeof v === 'number') return [String(v)];
  if (typeof v === 'string') return v.startsWith('@') ? (sets.get(v.slice(1)) ?? null) : [v];
  if (Array.isArray(v)) return flat(v.map((x) => values(x, sets)));
  if (!isObj(v)) return null;
  if ('set' in v) return Array.isArray(v.set) ? flat(v.set.map((x) => values(x, sets))) : values(v.set, sets);
  if ('range' in v && Array.isArray(v.range)) return [`${String(v.range[0])}-${String(v.range[1])}`];
  if ('prefix' in v && isObj(v.prefix)) return [`${String(v.prefix.addr)}/${String(v.prefix.len)}`];
  if ('elem' in v && isObj(v.elem)) return values(v.elem.val, sets);
  return null;
}

function flat(parts: Array<string[] | null>): string[] | null {
  return parts.some((p) => p === null) ? null : (parts as string[][]).flat();
}

function leftText(l: unknown): string {
  if (!isObj(l)) return JSON.stringify(l);
  if (isObj(l.payload)) return `${String(l.payload.protocol)} ${String(l.payload.field)}`;
  if (isObj(l.meta)) return `meta ${String(l.meta.key)}`;
  if (isObj(l.ct)) return `ct ${String(l.ct.key)}`;
  return JSON.stringify(l);
}

function rightText(r: unknown): string {
  const quoted = (s: string) => (s.startsWith('@') || /^[\w.:/-]+$/.test(s) ? s : `"${s}"`);
  if (typeof r === 'string') return quoted(r);
  if (typeof r === 'number') return String(r);
  const vs = values(r, new Map());
  if (!vs) return JSON.stringify(r);
  return vs.length === 1 && !(isObj(r) && 'set' in r) ? vs[0]! : `{ ${vs.join(', ')} }`;
}

function leftSelector(l: unknown) {
  if (!isObj(l)) return null;
  if (isObj(l.payload)) return selector(String(l.payload.protocol), String(l.payload.field));
  if (isObj(l.meta)) return selector('meta', String(l.meta.key));
  if (isObj(l.ct)) return selector('ct', String(l.ct.key));
  return null;
}

/** `left op right` into matches; opaque when either side is outside the model. */
export function matchOf(left: unknown, op: string, right: unknown, sets: Map<string, string[] | null>): Match[] {
  const text = `${leftText(left)} ${op === '==' || op === 'in' ? '' : `${op} `}${rightText(right)}`;
  const sel = leftSelector(left);
  let vs = values(right, sets);
  if (sel && vs && (sel.key === 'dport' || sel.key === 'sport') && vs.length === 1 && /^\d+$/.test(vs[0]!) && portOperator(op, Number(vs[0])) !== null) {
    vs = [portOperator(op, Number(vs[0]))!];
    op = '==';
  }
  if (!sel || !vs || !['==', '!=', 'in', 'eq', 'ne'].includes(op)) {
    const narrows = typeof right === 'string' && right.startsWith('@') && (sel?.key === 'daddr' || sel?.key === 'dport');
    return [{ key: 'opaque', neg: false, values: [], narrowsDestination: narrows, text }];
  }
  return selectorMatches(sel, op === '!=' || op === 'ne', vs, text);
}

function verdictOf(e: Obj): { action: Action; text: string } | null {
  for (const [k, v] of Object.entries(e)) {
    if (k === 'jump' || k === 'goto') {
      const target = isObj(v) ? String(v.target) : '';
      return { action: { type: k, target }, text: `${k} ${target}` };
    }
    if (VERDICTS[k]) return { action: { type: VERDICTS[k]! } as Action, text: k === 'reject' && isObj(v) ? `reject with ${String(v.type)} ${String(v.expr ?? '')}`.trim() : k };
    if (k === 'xt' && isObj(v) && v.type === 'target') {
      const t = { ACCEPT: 'accept', DROP: 'drop', REJECT: 'reject', RETURN: 'return' }[String(v.name)];
      return { action: { type: (t ?? 'continue') as Action['type'] } as Action, text: `xt target ${String(v.name)}` };
    }
  }
  return null;
}

/** One nft rule; a verdict map (`ip daddr vmap { ... }`) becomes one rule per element. */
function convertRule(exprs: unknown[], sets: Map<string, string[] | null>, origin: string, comment?: string): Rule[] {
  const matches: Match[] = [];
  const parts: string[] = [];
  let action: Action = { type: 'continue' };
  let vmap: Array<{ match: Match[]; action: Action }> | null = null;
  for (const e of exprs) {
    if (!isObj(e)) continue;
    if (isObj(e.match)) {
      const ms = matchOf(e.match.left, String(e.match.op), e.match.right, sets);
      matches.push(...ms);
      parts.push(ms.at(-1)!.text);
    } else if (isObj(e.vmap)) {
      const key = e.vmap.key;
      const data = isObj(e.vmap.data) ? e.vmap.data.set : e.vmap.data;
      parts.push(`${leftText(key)} vmap ${Array.isArray(data) ? `{ ${data.map((d) => (Array.isArray(d) ? `${rightText(d[0])} : ${Object.keys(d[1] as Obj)[0]}` : '?')).join(', ')} }` : String(data)}`);
      vmap = Array.isArray(data)
        ? data.filter(Array.isArray).map((d) => ({ match: matchOf(key, '==', d[0], sets), action: (isObj(d[1]) && verdictOf(d[1])?.action) || { type: 'continue' } }))
        : [{ match: [{ key: 'opaque', neg: false, values: [], text: parts.at(-1)! }], action: { type: 'continue' } }];
    } else if (isObj(e.xt) && e.xt.type !== 'target') {
      matches.push({ key: 'opaque', neg: false, values: [], text: `xt ${String(e.xt.type)} ${String(e.xt.name)}` });
      parts.push(matches.at(-1)!.text);
    } else if (isObj(e.limit)) {
      matches.push({ key: 'opaque', neg: false, values: [], text: `limit rate ${String(e.limit.rate)}/${String(e.limit.per)}` });
      parts.push(matches.at(-1)!.text);
    } else {
      const v = verdictOf(e);
      if (v) {
        action = v.action;
        parts.push(v.text);
      } else parts.push(Object.keys(e)[0]!);
    }
  }
  const text = parts.join(' ') + (comment ? ` comment "${comment}"` : '');
  if (vmap) return vmap.map((el) => ({ matches: [...matches, ...el.match], action: el.action, text, origin, dialect: 'nft' as const }));
  return [{ matches, action, text, origin, dialect: 'nft' }];
}

/** Parses `nft -j list ruleset` output. */
export function parseNftJson(text: string, origin: string): NftParse {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new RulesSyntaxError(origin, `not JSON (${(err as Error).message})`);
  }
  const items = isObj(doc) && Array.isArray(doc.nftables) ? doc.nftables : null;
  if (!items) throw new RulesSyntaxError(origin, 'no "nftables" array in the JSON output');
  const chains = new Map<string, Chain>();
  const tables: NftParse['tables'] = [];
  const sets = new Map<string, Map<string, string[] | null>>();
  const tkey = (o: Obj) => `${String(o.family)} ${String(o.table)}`;
  for (const it of items.filter(isObj)) {
    if (isObj(it.table)) tables.push({ family: String(it.table.family) as Family, name: String(it.table.name) });
    const s = isObj(it.set) ? it.set : isObj(it.map) ? it.map : null;
    if (s) {
      if (!sets.has(tkey(s))) sets.set(tkey(s), new Map());
      sets.get(tkey(s))!.set(String(s.name), 'elem' in s ? values({ set: s.elem }, new Map()) : []);
    }
    if (isObj(it.chain)) {
      const c = it.chain;
      const where = `${origin}, ${String(c.family)} ${String(c.table)} ${String(c.name)}`;
      const base = typeof c.hook === 'string';
      chains.set(`${tkey(c)} ${String(c.name)}`, {
        family: String(c.family) as Family,
        table: String(c.table),
        name: String(c.name),
        hook: base ? (String(c.hook) as Hook) : undefined,
        type: base ? String(c.type) : undefined,
        priority: typeof c.prio === 'number' ? c.prio : 0,
        policy: c.policy === 'drop' ? 'drop' : base ? 'accept' : undefined,
        policyText: base ? `type ${String(c.type)} hook ${String(c.hook)} priority ${String(c.prio)}; policy ${String(c.policy ?? 'accept')};` : undefined,
        origin: where,
        rules: [],
      });
    }
  }
  for (const it of items.filter(isObj)) {
    if (!isObj(it.rule)) continue;
    const r = it.rule;
    const chain = chains.get(`${tkey(r)} ${String(r.chain)}`);
    if (!chain || !Array.isArray(r.expr)) continue;
    const comment = typeof r.comment === 'string' ? r.comment : undefined;
    chain.rules.push(...convertRule(r.expr, sets.get(tkey(r)) ?? new Map(), chain.origin, comment));
  }
  return { chains: [...chains.values()], tables };
}
