import type { Chain, Match, Rule, RuleSet } from './model.js';

const ORIGIN = 'dockerd (inserted into FORWARD when it starts)';

function rule(text: string, matches: Match[], action: Rule['action']): Rule {
  return { matches, action, text, origin: ORIGIN, dialect: 'iptables' };
}

const iface = (key: 'iif' | 'oif', name: string, neg = false): Match => ({ key, neg, values: [name], text: `${neg ? '! ' : ''}-${key === 'iif' ? 'i' : 'o'} ${name}` });

/**
 * A persisted rule set is not what runs once Docker is up: dockerd inserts
 * `-j DOCKER-USER` and an ACCEPT for traffic leaving each bridge at the top
 * of FORWARD. An offline root is judged with those rules in place, unless
 * the saved set already holds them (it was saved while Docker ran).
 */
export function withDockerRuntime(rs: RuleSet): RuleSet {
  const isForward = (c: Chain) => c.family === 'ip' && c.table === 'filter' && c.name === 'FORWARD';
  const forward = rs.chains.find(isForward);
  if (forward?.rules.some((r) => r.action.type === 'jump' && r.action.target === 'DOCKER-USER')) return rs;
  const hasUser = rs.chains.some((c) => c.family === 'ip' && c.table === 'filter' && c.name === 'DOCKER-USER');
  const added: Rule[] = [
    ...(hasUser ? [rule('-A FORWARD -j DOCKER-USER', [], { type: 'jump', target: 'DOCKER-USER' })] : []),
    rule('-A FORWARD -i docker0 ! -o docker0 -j ACCEPT', [iface('iif', 'docker0'), iface('oif', 'docker0', true)], { type: 'accept' }),
    rule('-A FORWARD -i br-<network> ! -o br-<network> -j ACCEPT', [iface('iif', 'br-+'), iface('oif', 'br-+', true)], { type: 'accept' }),
  ];
  if (forward) {
    return { chains: rs.chains.map((c) => (c === forward ? { ...c, rules: [...added, ...c.rules] } : c)) };
  }
  const chain: Chain = {
    family: 'ip',
    table: 'filter',
    name: 'FORWARD',
    hook: 'forward',
    type: 'filter',
    priority: 0,
    policy: 'drop',
    policyText: ':FORWARD DROP (set by dockerd)',
    origin: ORIGIN,
    rules: added,
  };
  return { chains: [...rs.chains, chain] };
}
