import type { Action, Match, MatchKey } from './model.js';

/**
 * What nftables selectors mean in the common model; shared by the JSON
 * (`nft -j list ruleset`) and the text (nftables.conf) parsers.
 */
export interface Selector {
  key: MatchKey;
  af?: 'ip' | 'ip6';
  /** `tcp dport` carries an implicit `meta l4proto tcp`. */
  impliesProto?: string;
}

const L4 = new Set(['tcp', 'udp', 'sctp', 'dccp', 'udplite']);
const META: Record<string, MatchKey> = {
  skuid: 'uid',
  skgid: 'gid',
  l4proto: 'proto',
  nfproto: 'nfproto',
  iifname: 'iif',
  iif: 'iif',
  oifname: 'oif',
  oif: 'oif',
};

/** `ip daddr`, `tcp dport`, `meta skuid`, `ct state`...; null for anything else (opaque). */
export function selector(base: string, field: string): Selector | null {
  if ((base === 'ip' || base === 'ip6') && (field === 'daddr' || field === 'saddr')) return { key: field, af: base };
  if (base === 'ip' && field === 'protocol') return { key: 'proto', af: 'ip' };
  if (base === 'ip6' && field === 'nexthdr') return { key: 'proto', af: 'ip6' };
  if (L4.has(base) && (field === 'dport' || field === 'sport')) return { key: field, impliesProto: base };
  if (base === 'th' && (field === 'dport' || field === 'sport')) return { key: field };
  if (base === 'meta' && META[field]) return { key: META[field]! };
  if (base === 'ct' && field === 'state') return { key: 'ctstate' };
  return null;
}

/** Relational operators on ports become ranges; anything else stays opaque. */
export function portOperator(op: string, v: number): string | null {
  switch (op) {
    case '<':
    case 'lt':
      return `0-${v - 1}`;
    case '<=':
    case 'le':
      return `0-${v}`;
    case '>':
    case 'gt':
      return `${v + 1}-65535`;
    case '>=':
    case 'ge':
      return `${v}-65535`;
    default:
      return null;
  }
}

/** Builds the match(es) of one `selector op values` expression. */
export function selectorMatches(sel: Selector, neg: boolean, values: string[], text: string): Match[] {
  const key = sel.key;
  const norm = key === 'ctstate' ? values.map((v) => v.toLowerCase()) : values;
  const out: Match[] = [{ key, neg, values: norm, af: sel.af, text }];
  // The implicit protocol dependency applies even to `tcp dport != 22`.
  if (sel.impliesProto) out.unshift({ key: 'proto', neg: false, values: [sel.impliesProto], text: `meta l4proto ${sel.impliesProto}` });
  return out;
}

export const VERDICTS: Record<string, Action['type']> = {
  accept: 'accept',
  drop: 'drop',
  reject: 'reject',
  return: 'return',
  continue: 'continue',
  // A queued packet's fate is decided in userspace: assume it may pass.
  queue: 'accept',
};

/** nft's named priorities (nft(8) "PRIORITY"), with "+ n" / "- n" offsets. */
export function parsePriority(text: string): number | null {
  const named: Record<string, number> = { raw: -300, mangle: -150, dstnat: -100, filter: 0, security: 50, srcnat: 100, out: 100, bridge: -200 };
  const m = /^\s*(-?\d+|[a-z]+)\s*(?:([+-])\s*(\d+))?\s*$/.exec(text);
  if (!m) return null;
  const base = /^-?\d+$/.test(m[1]!) ? Number(m[1]) : named[m[1]!];
  if (base === undefined) return null;
  return m[2] ? base + (m[2] === '+' ? 1 : -1) * Number(m[3]) : base;
}
