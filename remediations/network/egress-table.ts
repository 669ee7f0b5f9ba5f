import { createHash } from 'node:crypto';
import type { Allowed } from './egress-destinations.js';

export const FAMILY = 'inet';
export const TABLE = 'runnerguard';
export const CHAIN = 'runner_egress';
/** The link-local metadata service of most clouds, and AWS's IPv6 one. */
export const METADATA_V4 = '169.254.169.254';
export const METADATA_V6 = 'fd00:ec2::254';

/** What the table holds: `metadata` (RG-NET-002) alone, or with `egress` (RG-NET-001) the allow-list and the final reject. */
export type Part = 'metadata' | 'egress';

export interface TableSpec {
  parts: Part[];
  /** Runner accounts whose sockets are filtered (never 0: root's traffic is not ours to filter). */
  uids: number[];
  /** Container bridges whose forwarded traffic is filtered ("docker0", "br-*"). */
  ifaces: string[];
  /** DNS resolvers: accepted before the metadata rejects (on GCP the resolver IS 169.254.169.254). */
  dns: Allowed[];
  /** Everything else allowed (egress part only). */
  allowed: Allowed[];
}

const PART_IDS: Record<Part, string> = { egress: 'RG-NET-001', metadata: 'RG-NET-002' };
const ORDER: Part[] = ['egress', 'metadata'];

/** nft strings cannot hold a double quote, and comments are at most 128 bytes. */
function comment(s: string): string {
  const clean = s.replace(/[^\x20-\x7e]|"/g, '_');
  return `comment "${clean.length > 120 ? `${clean.slice(0, 117)}...` : clean}"`;
}

function acceptRule(a: Allowed): string {
  const port = a.proto ? ` ${a.proto} dport ${a.port}` : '';
  return `${a.family} daddr ${a.addr}${port} accept ${comment(a.why)}`;
}

/** The table body with the placeholder comment the hash is taken over. */
function body(spec: TableSpec, head: string): string {
  const parts = ORDER.filter((p) => spec.parts.includes(p));
  const egress = parts.includes('egress');
  const L: string[] = [`table ${FAMILY} ${TABLE} {`, `\t${comment(head)}`];
  const chain = (name: string, hook: string, rules: string[]) =>
    L.push(`\tchain ${name} {`, `\t\ttype filter hook ${hook} priority filter; policy accept;`, ...rules.map((r) => `\t\t${r}`), '\t}');
  const uids = [...new Set(spec.uids)].sort((a, b) => a - b);
  const ifaces = [...new Set(spec.ifaces)].sort();
  // Only these sockets and bridges enter the filtering chain: root's and other users' traffic never does.
  if (uids.length) chain('output', 'output', [`meta skuid { ${uids.join(', ')} } jump ${CHAIN} ${comment('runner accounts')}`]);
  if (ifaces.length) chain('forward', 'forward', [`iifname { ${ifaces.map((i) => `"${i}"`).join(', ')} } jump ${CHAIN} ${comment('job containers')}`]);
  L.push(`\tchain ${CHAIN} {`);
  const rules = [
    ...spec.dns.map(acceptRule),
    `ip daddr ${METADATA_V4} counter reject ${comment('cloud metadata (RG-NET-002)')}`,
    `ip6 daddr ${METADATA_V6} counter reject ${comment('cloud metadata (RG-NET-002)')}`,
  ];
  if (egress) {
    rules.push('ct state established,related accept', `oifname "lo" accept ${comment('loopback')}`, ...spec.allowed.map(acceptRule));
    rules.push(`counter reject ${comment('everything else (RG-NET-001)')}`);
  }
  L.push(...rules.map((r) => `\t\t${r}`), '\t}', '}', '');
  return L.join('\n');
}

const label = (parts: Part[]) => ORDER.filter((p) => parts.includes(p)).map((p) => PART_IDS[p]).join('+');

/**
 * The table as `nft -f` loads it. Same spec, same text: the table's comment
 * carries a hash of that text, which is how a later plan knows the loaded
 * table is the one it would write (see upToDate).
 */
export function renderTable(spec: TableSpec): string {
  const head = `runnerguard ${label(spec.parts)}`;
  const hash = createHash('sha256').update(body(spec, head)).digest('hex').slice(0, 16);
  return body(spec, `${head} sha256:${hash}`);
}

export interface TableState {
  parts: Part[];
  hash?: string;
  /** Rules per chain, as listed. */
  rules: Record<string, number>;
}

/**
 * Reads our table from `nft list table` output (or from our own text): the
 * parts and hash of its comment, and how many rules each chain has. The JSON
 * listing of nft 1.0.6 leaves table comments out, so this reads the text form,
 * whose block structure (chain X {, one rule per line, }) is stable.
 */
export function tableState(text: string): TableState {
  const head = /^\s*comment "runnerguard ([A-Z0-9+-]+) sha256:([0-9a-f]{16})"\s*$/m.exec(text);
  const ids = head?.[1]?.split('+') ?? [];
  const parts = ORDER.filter((p) => ids.includes(PART_IDS[p]));
  const rules: Record<string, number> = {};
  let chain: string | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const open = /^chain (\S+) \{$/.exec(line);
    if (open) chain = open[1]!;
    else if (line === '}') chain = null;
    else if (chain && line && !/^(type|policy|comment|devices?) /.test(line)) rules[chain] = (rules[chain] ?? 0) + 1;
  }
  return { parts, hash: head?.[2], rules };
}

/** The loaded table is the intended one: same hash, and no rule added or deleted since. */
export function upToDate(intended: string, loaded: string): boolean {
  const a = tableState(intended);
  const b = tableState(loaded);
  const counts = (s: TableState) => JSON.stringify(Object.entries(s.rules).sort());
  return a.hash !== undefined && a.hash === b.hash && counts(a) === counts(b);
}
