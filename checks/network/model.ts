/**
 * One rule model for every firewall source (iptables-save text, `nft -j`
 * JSON, nftables.conf text), so the egress checks judge iptables, legacy and
 * nftables rule sets with the same evaluator.
 */

export type Family = 'ip' | 'ip6' | 'inet' | 'arp' | 'bridge' | 'netdev';
export type Hook = 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting' | 'ingress' | 'egress';

/** The packet property a match tests; `opaque` is anything the evaluator cannot decide. */
export type MatchKey =
  | 'uid'
  | 'gid'
  | 'socket'
  | 'proto'
  | 'daddr'
  | 'saddr'
  | 'dport'
  | 'sport'
  | 'iif'
  | 'oif'
  | 'ctstate'
  | 'nfproto'
  | 'addrtype'
  | 'opaque';

export interface Match {
  key: MatchKey;
  /** `!` / `!=`: the rule applies when the property is NOT among `values`. */
  neg: boolean;
  /** Addresses ("10.0.0.0/8", "a-b"), ports ("443", "1024-65535"), ids or names, states, interface patterns. */
  values: string[];
  /** Address/protocol matches that only apply to one IP family (`ip daddr` in an inet table). */
  af?: 'ip' | 'ip6';
  /** opaque only: it narrows the destination (an ipset or nft set we cannot read, a host name). */
  narrowsDestination?: boolean;
  /** gid only: iptables --suppl-groups (supplementary groups count). */
  suppl?: boolean;
  /** How the source wrote it, for messages. */
  text: string;
}

export type Action =
  | { type: 'accept' | 'drop' | 'reject' | 'return' | 'continue' }
  | { type: 'jump' | 'goto'; target: string };

export interface Rule {
  matches: Match[];
  action: Action;
  /** The rule as its source writes it ("-A OUTPUT -d 169.254.169.254/32 -j DROP"). */
  text: string;
  /** Where it came from: "/etc/iptables/rules.v4:12", "iptables-nft-save", "nft -j list ruleset". */
  origin: string;
  /** iptables and nftables differ on owner matches of packets without a socket. */
  dialect: 'iptables' | 'nft';
}

export interface Chain {
  family: Family;
  table: string;
  name: string;
  /** Set for base chains (built-in iptables chains, nft chains with `hook`). */
  hook?: Hook;
  /** filter, route or nat; nat chains never drop and are not evaluated. */
  type?: string;
  priority: number;
  policy?: 'accept' | 'drop';
  /** ":OUTPUT DROP", "policy drop", for evidence. */
  policyText?: string;
  origin: string;
  rules: Rule[];
}

export interface RuleSet {
  chains: Chain[];
}

/** A rule set file or command output that could not be understood. */
export class RulesSyntaxError extends Error {
  readonly where: string;
  constructor(where: string, message: string) {
    super(`${where}: ${message}`);
    this.name = 'RulesSyntaxError';
    this.where = where;
  }
}

export const IPTABLES_PRIORITY: Record<string, number> = { raw: -300, mangle: -150, filter: 0, security: 50 };

const BUILTIN_HOOKS: Record<string, Hook> = {
  PREROUTING: 'prerouting',
  INPUT: 'input',
  FORWARD: 'forward',
  OUTPUT: 'output',
  POSTROUTING: 'postrouting',
};

export function builtinHook(table: string, chain: string): Hook | undefined {
  return table in IPTABLES_PRIORITY || table === 'nat' ? BUILTIN_HOOKS[chain] : undefined;
}

export function findChain(rs: RuleSet, family: Family, table: string, name: string): Chain | undefined {
  return rs.chains.find((c) => c.family === family && c.table === table && c.name === name);
}

/** "origin: text" lines for findings. */
export function describeRule(r: Rule): string {
  return `${r.origin}: ${r.text}`;
}

export function describePolicy(c: Chain): string {
  const where = c.origin;
  if (c.policyText) return `${where}: ${c.policyText}`;
  return `${where}: ${c.family} ${c.table} ${c.name} has no policy (accept)`;
}
