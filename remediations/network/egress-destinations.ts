import { lookup } from 'node:dns/promises';
import net from 'node:net';

/** One destination the egress table accepts: an address or prefix, optionally one tcp/udp port. */
export interface Allowed {
  family: 'ip' | 'ip6';
  /** An address or a prefix ("10.20.0.0/16"). */
  addr: string;
  proto?: 'tcp' | 'udp';
  port?: number;
  /** Why it is allowed, for the rule's comment ("GitLab runner:docker-1"). */
  why: string;
}

/** A destination before name resolution: `host` is an IP literal, a prefix or a name. */
export interface Wanted {
  host: string;
  port?: number;
  why: string;
  /** The host needs it to keep working (GitLab/GitHub, collector): the lockout guard verifies it. */
  required: boolean;
}

/** Resolves a name to its addresses; the default uses getaddrinfo (/etc/hosts, then DNS). */
export type Resolve = (name: string) => Promise<string[]>;

const LOOKUP_TIMEOUT_MS = 5_000;

export const dnsResolve: Resolve = async (name) => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`no answer in ${LOOKUP_TIMEOUT_MS / 1000} s`), { code: 'ETIMEOUT' })), LOOKUP_TIMEOUT_MS);
  });
  try {
    const found = await Promise.race([lookup(name, { all: true, verbatim: true }), timeout]);
    return found.map((a) => a.address);
  } finally {
    clearTimeout(timer);
  }
};

const isPrefix = (s: string) => {
  const m = /^(.+)\/(\d{1,3})$/.exec(s);
  const v = m ? net.isIP(m[1]!) : 0;
  return v !== 0 && Number(m![2]) <= (v === 4 ? 32 : 128);
};

/**
 * `[egress] allow` entries: "host:port", "[v6]:port", an address, a prefix
 * ("10.20.0.0/16"), or a bare name (every port). A port means tcp. Throws on
 * an entry it cannot read, with the entry in the message.
 */
export function parseAllowEntry(entry: string): Wanted {
  const why = `[egress] allow ${entry}`;
  const e = entry.trim();
  const bracket = /^\[([^\]]+)\]:(\d+)$/.exec(e);
  const hostPort = bracket ?? (net.isIP(e) || isPrefix(e) ? null : /^([^:/\s]+):(\d+)$/.exec(e));
  const [host, port] = hostPort ? [hostPort[1]!, Number(hostPort[2])] : [e, undefined];
  if (port !== undefined && (port < 1 || port > 65535)) throw new Error(`[egress] allow "${entry}": port ${port} is out of range`);
  const name = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$/.test(host);
  if (!(net.isIP(host) || isPrefix(host) || name) || (bracket && net.isIP(host) !== 6)) {
    throw new Error(`[egress] allow "${entry}": not host:port, an address, a prefix (10.20.0.0/16) or a host name`);
  }
  return { host, port, why, required: false };
}

/** The host and port of an http(s) URL (the runner's GitLab URL, the collector); null when it is not one. */
export function urlEndpoint(url: string, why: string): Wanted | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return null;
  const port = u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
  // Only host and port go into comments and messages: a URL may carry credentials.
  return { host: u.hostname.replace(/^\[(.*)\]$/, '$1'), port, why: `${why} ${u.host}`, required: true };
}

/** `nameserver` lines of resolv.conf; none means glibc asks 127.0.0.1 (loopback, allowed anyway). */
export function resolvers(resolvConf: string): string[] {
  const out: string[] = [];
  for (const line of resolvConf.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    const addr = m?.[1]?.replace(/%.*$/, ''); // fe80::1%eth0: the zone is not part of the address
    if (addr && net.isIP(addr) && !out.includes(addr)) out.push(addr);
  }
  return out;
}

const familyOf = (addr: string): 'ip' | 'ip6' => (net.isIP(addr.replace(/\/\d+$/, '')) === 6 ? 'ip6' : 'ip');

export interface Resolved {
  allowed: Allowed[];
  /** Names that did not resolve, and why ("gitlab.example.com (ENOTFOUND)"). */
  unresolved: Array<{ wanted: Wanted; error: string }>;
}

/**
 * Destinations with names replaced by their addresses (sorted, so the same
 * answers give the same table). Names are looked up in parallel.
 */
export async function resolveAll(wanted: Wanted[], resolve: Resolve): Promise<Resolved & { addrsOf: Map<Wanted, string[]> }> {
  const addrsOf = new Map<Wanted, string[]>();
  const unresolved: Resolved['unresolved'] = [];
  await Promise.all(
    wanted.map(async (w) => {
      if (net.isIP(w.host) || isPrefix(w.host)) {
        addrsOf.set(w, [w.host]);
        return;
      }
      try {
        const addrs = [...new Set(await resolve(w.host))].filter((a) => net.isIP(a)).sort();
        if (addrs.length === 0) throw Object.assign(new Error('no addresses'), { code: 'ENODATA' });
        addrsOf.set(w, addrs);
      } catch (err) {
        unresolved.push({ wanted: w, error: (err as NodeJS.ErrnoException).code ?? (err as Error).message });
      }
    }),
  );
  const allowed: Allowed[] = [];
  for (const w of wanted) {
    for (const addr of addrsOf.get(w) ?? []) allowed.push({ family: familyOf(addr), addr, ...(w.port ? { proto: 'tcp' as const, port: w.port } : {}), why: w.why });
  }
  return { allowed: dedupe(allowed), unresolved: unresolved.sort((a, b) => wanted.indexOf(a.wanted) - wanted.indexOf(b.wanted)), addrsOf };
}

/** One rule per address/proto/port, its reasons joined, in first-seen order. */
export function dedupe(list: Allowed[]): Allowed[] {
  const by = new Map<string, Allowed>();
  for (const a of list) {
    const key = `${a.family} ${a.addr} ${a.proto ?? ''} ${a.port ?? ''}`;
    const have = by.get(key);
    if (!have) by.set(key, { ...a });
    else if (!have.why.split('; ').includes(a.why)) have.why = `${have.why}; ${a.why}`;
  }
  return [...by.values()];
}

export const dnsAllowed = (addrs: string[]): Allowed[] =>
  addrs.flatMap((addr) => (['udp', 'tcp'] as const).map((proto) => ({ family: familyOf(addr), addr, proto, port: 53, why: 'DNS (resolv.conf)' })));
