import type { Match } from './model.js';

/**
 * iptables match-module options (`-m owner --uid-owner 998`) into the common
 * model. Options that never restrict the packets this agent asks about
 * (comments) give null; anything not understood becomes an opaque match, so
 * the evaluator treats it as "may or may not apply" instead of guessing.
 */
export function moduleMatch(module: string, option: string, args: string[], neg: boolean): Match | null {
  const text = `${neg ? '! ' : ''}${option}${args.length ? ` ${args.join(' ')}` : ''}`;
  const mk = (key: Match['key'], values: string[], extra: Partial<Match> = {}): Match => ({ key, neg, values, text, ...extra });
  const first = args[0] ?? '';
  switch (module) {
    case 'owner':
      if (option === '--uid-owner') return mk('uid', [first]);
      if (option === '--gid-owner') return mk('gid', [first]);
      if (option === '--socket-exists') return mk('socket', []);
      if (option === '--suppl-groups') return null; // the rule parser marks the gid match
      break;
    case 'tcp':
    case 'udp':
    case 'sctp':
    case 'udplite':
    case 'dccp':
      if (option === '--dport' || option === '--destination-port') return mk('dport', [first]);
      if (option === '--sport' || option === '--source-port') return mk('sport', [first]);
      if (option === '--syn') return null; // the probes are connection openings: a SYN
      break;
    case 'multiport':
      if (option === '--dports' || option === '--destination-ports') return mk('dport', first.split(','));
      if (option === '--sports' || option === '--source-ports') return mk('sport', first.split(','));
      break;
    case 'conntrack':
      if (option === '--ctstate') return mk('ctstate', first.toLowerCase().split(','));
      break;
    case 'state':
      if (option === '--state') return mk('ctstate', first.toLowerCase().split(','));
      break;
    case 'comment':
      return null;
    case 'addrtype':
      if (option === '--dst-type') return mk('addrtype', first.toUpperCase().split(','));
      if (option === '--limit-iface-in' || option === '--limit-iface-out') return null;
      break;
    case 'iprange':
      if (option === '--dst-range') return mk('daddr', [first]);
      if (option === '--src-range') return mk('saddr', [first]);
      break;
    case 'set':
      if (option === '--match-set') {
        // Only the first direction flag decides what the set is matched against.
        const narrows = (args[1] ?? '').split(',')[0] === 'dst';
        return mk('opaque', [], { narrowsDestination: narrows });
      }
      if (option === '--return-nomatch' || option.startsWith('--update') || option.startsWith('--packets') || option.startsWith('--bytes')) return null;
      break;
    default:
      break;
  }
  return mk('opaque', []);
}
