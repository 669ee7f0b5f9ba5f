import { addressCovers, anyOf, coversEverything, flip, ifaceMatches, portCovers, protocolNumber, type Truth } from './addr.js';
import { findChain, type Chain, type Match, type Rule, type RuleSet } from './model.js';

/** Stands for "an address/port/protocol no rule names": only catch-alls match it. */
export const FRESH = '*';

/** A packet the checks ask the rule set about: a connection opening (ct state new, TCP SYN). */
export interface Probe {
  family: 'ip' | 'ip6';
  hook: 'output' | 'forward';
  /** Socket owner (output only): forwarded container traffic has no local socket. */
  uid?: number;
  gid?: number;
  groups?: number[];
  /** 'tcp', 'udp' or FRESH. */
  proto: string;
  /** A concrete address or FRESH. */
  daddr: string;
  /** Undefined: a port no rule names. */
  dport?: number;
  /** Undefined: the host's own address (unknown to a rule set). */
  saddr?: string;
  /** forward only: the container bridge the packet comes in on. */
  iif?: string;
}

export interface Step {
  chain: Chain;
  /** Undefined: the chain's policy decided. */
  rule?: Rule;
}

export interface Outcome {
  verdict: 'accept' | 'drop';
  /** Per base chain: the jumps taken and the rule or policy that decided. */
  path: Step[];
  /** Matches the evaluator could not decide and took as applying on this path. */
  assumed: Match[];
}

/** Interfaces that are never the uplink: loopback and Docker's own bridges/veths. */
function notUplink(pattern: string): boolean {
  return ['lo', 'docker0', 'br-0123456789ab', 'veth0', 'docker_gwbridge'].some((n) => ifaceMatches(pattern, n)) && !['+', '*'].includes(pattern);
}

export function matchTruth(m: Match, p: Probe, r: Rule, uidOf: (v: string) => number | undefined, gidOf: (v: string) => number | undefined): Truth {
  const raw = ((): Truth => {
    if (m.af && m.af !== p.family) return 'no';
    const any = (f: (v: string) => Truth) => anyOf(m.values.map(f));
    const ids = (id: number | undefined, resolve: (v: string) => number | undefined) => (v: string): Truth => {
      const range = /^(\d+)-(\d+)$/.exec(v);
      if (range) return id !== undefined && id >= Number(range[1]) && id <= Number(range[2]) ? 'yes' : 'no';
      const n = resolve(v);
      return n === undefined ? 'unknown' : n === id ? 'yes' : 'no';
    };
    switch (m.key) {
      case 'uid':
      case 'gid':
      case 'socket':
        if (p.uid === undefined) return 'no';
        if (m.key === 'socket') return 'yes';
        if (m.key === 'uid') return any(ids(p.uid, uidOf));
        return anyOf((m.suppl ? [p.gid, ...(p.groups ?? [])] : [p.gid]).map((g) => any(ids(g, gidOf))));
      case 'proto':
        return any((v) => {
          if (v === 'all' || v === '0') return 'yes';
          const n = protocolNumber(v);
          if (n === null) return 'unknown';
          return p.proto !== FRESH && n === protocolNumber(p.proto) ? 'yes' : 'no';
        });
      case 'daddr':
        return any((v) => (p.daddr === FRESH ? (coversEverything(v) ? 'yes' : addressCovers(v, '0.0.0.0') === 'unknown' ? 'unknown' : 'no') : addressCovers(v, p.daddr)));
      case 'saddr':
        return any((v) => (coversEverything(v) ? 'yes' : p.saddr === undefined ? 'unknown' : addressCovers(v, p.saddr)));
      case 'dport':
        return p.proto === FRESH ? 'no' : any((v) => portCovers(v, p.dport));
      case 'sport':
        return any((v) => (portCovers(v, undefined) === 'yes' ? 'yes' : 'unknown'));
      case 'iif':
        return p.iif === undefined ? 'no' : any((v) => (ifaceMatches(v, p.iif!) ? 'yes' : 'no'));
      case 'oif':
        return any((v) => (['+', '*'].includes(v) ? 'yes' : notUplink(v) ? 'no' : 'unknown'));
      case 'ctstate':
        return m.values.includes('new') ? 'yes' : 'no';
      case 'nfproto':
        return any((v) => ((v === 'ipv4') === (p.family === 'ip') ? 'yes' : 'no'));
      case 'addrtype':
        return any((v) => (v === 'UNICAST' ? 'yes' : 'no'));
      default:
        return 'unknown';
    }
  })();
  // nft: a socket match on a packet without a socket never matches, negated or not.
  if ((m.key === 'uid' || m.key === 'gid') && p.uid === undefined && r.dialect === 'nft') return 'no';
  return m.neg ? flip(raw) : raw;
}

interface Walk {
  rs: RuleSet;
  probe: Probe;
  uidOf: (v: string) => number | undefined;
  gidOf: (v: string) => number | undefined;
  /** Branches left before undecidable matches are taken as not applying. */
  budget: number;
}

type ChainEnd = { verdict: 'accept' | 'drop' | 'return'; path: Step[]; assumed: Match[] };

function runChain(w: Walk, chain: Chain, from: number, path: Step[], assumed: Match[], depth: number): ChainEnd[] {
  if (depth > 64) return [{ verdict: 'return', path, assumed }];
  for (let i = from; i < chain.rules.length; i++) {
    const rule = chain.rules[i]!;
    if (rule.action.type === 'continue') continue;
    const truths = rule.matches.map((m) => [m, matchTruth(m, w.probe, rule, w.uidOf, w.gidOf)] as const);
    if (truths.some(([, t]) => t === 'no')) continue;
    const unknown = truths.filter(([, t]) => t === 'unknown').map(([m]) => m);
    if (unknown.length > 0) {
      if (w.budget <= 0) continue;
      w.budget--;
      return [...apply(w, chain, i, path, [...assumed, ...unknown], depth), ...runChain(w, chain, i + 1, path, assumed, depth)];
    }
    return apply(w, chain, i, path, assumed, depth);
  }
  return [{ verdict: 'return', path, assumed }];
}

function apply(w: Walk, chain: Chain, i: number, path: Step[], assumed: Match[], depth: number): ChainEnd[] {
  const rule = chain.rules[i]!;
  const here = [...path, { chain, rule }];
  const a = rule.action;
  if (a.type === 'accept') return [{ verdict: 'accept', path: here, assumed }];
  if (a.type === 'drop' || a.type === 'reject') return [{ verdict: 'drop', path: here, assumed }];
  if (a.type === 'return') return [{ verdict: 'return', path, assumed }];
  if (a.type !== 'jump' && a.type !== 'goto') return runChain(w, chain, i + 1, path, assumed, depth);
  const target = findChain(w.rs, chain.family, chain.table, a.target);
  if (!target) return runChain(w, chain, i + 1, path, assumed, depth);
  return runChain(w, target, 0, here, assumed, depth + 1).flatMap((end) => {
    if (end.verdict !== 'return') return [end];
    // Back from the called chain: its steps did not decide, so they leave the path.
    if (a.type === 'goto') return [{ verdict: 'return' as const, path, assumed: end.assumed }];
    return runChain(w, chain, i + 1, path, end.assumed, depth);
  });
}

/** Base chains a probe crosses, in priority order (nat chains never drop). */
export function baseChains(rs: RuleSet, p: Probe): Chain[] {
  return rs.chains
    .filter((c) => c.hook === p.hook && c.type !== 'nat' && (c.family === p.family || c.family === 'inet'))
    .sort((a, b) => a.priority - b.priority);
}

/**
 * Every way the probe can end, one outcome per combination of undecidable
 * matches: accepted only when every base chain accepts, dropped as soon as
 * one drops. With no base chain at all the kernel accepts.
 */
export function evaluate(rs: RuleSet, probe: Probe, uidOf: (v: string) => number | undefined, gidOf: (v: string) => number | undefined): Outcome[] {
  const w: Walk = { rs, probe, uidOf, gidOf, budget: 256 };
  let outcomes: Outcome[] = [{ verdict: 'accept', path: [], assumed: [] }];
  for (const chain of baseChains(rs, probe)) {
    outcomes = outcomes.flatMap((o) => {
      if (o.verdict === 'drop') return [o];
      return runChain(w, chain, 0, o.path, o.assumed, 0).map((end) => {
        const path = end.verdict === 'return' ? [...end.path, { chain }] : end.path;
        const verdict = end.verdict === 'return' ? (chain.policy ?? 'accept') : end.verdict;
        return { verdict, path: verdict === 'drop' ? path.slice(o.path.length) : path, assumed: end.assumed };
      });
    });
  }
  return outcomes;
}
