import net from 'node:net';

export type Truth = 'yes' | 'no' | 'unknown';

/** Any of several values: one yes wins, otherwise one unknown keeps it open. */
export function anyOf(ts: Truth[]): Truth {
  if (ts.includes('yes')) return 'yes';
  return ts.includes('unknown') ? 'unknown' : 'no';
}

export function flip(t: Truth): Truth {
  return t === 'yes' ? 'no' : t === 'no' ? 'yes' : 'unknown';
}

function familyOf(addr: string): 'ipv4' | 'ipv6' | null {
  const v = net.isIP(addr);
  return v === 4 ? 'ipv4' : v === 6 ? 'ipv6' : null;
}

/** iptables writes netmasks in dotted form ("10.0.0.0/255.0.0.0"); nft and most people use a length. */
function prefixLength(mask: string): number | null {
  if (/^\d+$/.test(mask)) return Number(mask);
  if (net.isIPv4(mask)) {
    const bits = mask.split('.').map((o) => Number(o).toString(2).padStart(8, '0')).join('');
    if (!/^1*0*$/.test(bits)) return null;
    return bits.includes('0') ? bits.indexOf('0') : 32;
  }
  return null;
}

/**
 * Whether `value` (an address, "addr/len", "addr/mask" or "a-b") covers
 * `addr`. Other families never match (the rule's dependency fails); a value
 * that is not an address (a host name in a hand-written rules file) is unknown.
 */
export function addressCovers(value: string, addr: string): Truth {
  const fam = familyOf(addr);
  if (!fam) return 'unknown';
  const list = new net.BlockList();
  const range = /^([^/-]+)-([^/-]+)$/.exec(value);
  try {
    if (range) {
      const f = familyOf(range[1]!);
      if (!f || f !== familyOf(range[2]!)) return 'unknown';
      if (f !== fam) return 'no';
      list.addRange(range[1]!, range[2]!, f);
    } else {
      const [base, mask] = value.split('/');
      const f = familyOf(base!);
      if (!f) return 'unknown';
      if (f !== fam) return 'no';
      const len = mask === undefined ? (f === 'ipv4' ? 32 : 128) : prefixLength(mask);
      if (len === null || len > (f === 'ipv4' ? 32 : 128)) return 'unknown';
      list.addSubnet(base!, len, f);
    }
  } catch {
    return 'unknown';
  }
  return list.check(addr, fam) ? 'yes' : 'no';
}

/** Does the value cover every address of the family ("0.0.0.0/0", "::/0")? */
export function coversEverything(value: string): boolean {
  const [base, mask] = value.split('/');
  if (mask !== undefined) return prefixLength(mask) === 0 && familyOf(base!) !== null;
  return value === '0.0.0.0-255.255.255.255' || value === '::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff';
}

/** Service names people write in hand-made rule files instead of numbers. */
const SERVICES: Record<string, number> = {
  ftp: 21, ssh: 22, telnet: 23, smtp: 25, domain: 53, http: 80, pop3: 110, ntp: 123, imap: 143,
  snmp: 161, ldap: 389, https: 443, submission: 587, ldaps: 636, imaps: 993, pop3s: 995,
  'http-alt': 8080, webcache: 8080,
};

export function parsePort(v: string): number | null {
  if (/^\d+$/.test(v)) return Number(v);
  return SERVICES[v.toLowerCase()] ?? null;
}

/** "443", "1024:65535" (iptables), "1024-65535" (nft), ":1023", "https". */
export function portRange(v: string): [number, number] | null {
  const m = /^([^:-]*)[:-]([^:-]*)$/.exec(v);
  if (!m) {
    const p = parsePort(v);
    return p === null ? null : [p, p];
  }
  const lo = m[1] === '' ? 0 : parsePort(m[1]!);
  const hi = m[2] === '' ? 65535 : parsePort(m[2]!);
  return lo === null || hi === null ? null : [lo, hi];
}

/** `port` undefined: a port no rule names, so only a full range covers it. */
export function portCovers(value: string, port: number | undefined): Truth {
  const r = portRange(value);
  if (!r) return 'unknown';
  if (port === undefined) return r[0] <= 1 && r[1] >= 65535 ? 'yes' : 'no';
  return port >= r[0] && port <= r[1] ? 'yes' : 'no';
}

const PROTOCOLS: Record<string, number> = { icmp: 1, igmp: 2, tcp: 6, udp: 17, gre: 47, esp: 50, ah: 51, 'ipv6-icmp': 58, icmpv6: 58, sctp: 132, udplite: 136 };

export function protocolNumber(v: string): number | null {
  const s = v.toLowerCase();
  if (/^\d+$/.test(s)) return Number(s);
  return PROTOCOLS[s] ?? null;
}

/** iptables "+" and nft "*" suffix wildcards. */
export function ifaceMatches(pattern: string, name: string): boolean {
  if (pattern.endsWith('+') || pattern.endsWith('*')) return name.startsWith(pattern.slice(0, -1));
  return pattern === name;
}
