import { evaluate, type Probe } from '../../checks/network/evaluate.js';
import { parseNftText } from '../../checks/network/nft-text.js';
import { decider } from '../../checks/network/egress.js';
import { dedupe, dnsAllowed, parseAllowEntry, resolveAll, type Resolve, type Wanted } from './egress-destinations.js';
import { METADATA_V4, METADATA_V6, renderTable, type Part, type TableSpec } from './egress-table.js';

/** What the host says the table must serve, read by the planner (egress-plan.ts). */
export interface EgressInputs {
  /** Runner accounts to filter (uid 0 and unknown users are refused before this). */
  users: Array<{ name: string; uid: number }>;
  /** Container bridges ("docker0", "br-*"); empty when no job runs in a container here. */
  ifaces: string[];
  /** GitLab/GitHub URLs and the collector: the host needs them (lockout guard). */
  required: Wanted[];
  /** `nameserver` addresses of the target's /etc/resolv.conf. */
  resolvers: string[];
  /** `[egress] allow`, as written. */
  allow: string[];
}

export type Design = { ok: true; text: string; spec: TableSpec; summary: string } | { ok: false; reasons: string[] };

const who = (i: EgressInputs) => [...i.users.map((u) => `${u.name} (uid ${u.uid})`), ...(i.ifaces.length ? [`job containers (${i.ifaces.join(', ')})`] : [])].join(', ');

/**
 * The table for `parts`, and the lockout guard: a table that would not let
 * the runner accounts and containers reach every required endpoint and DNS
 * is refused, with the reasons. The guard does not trust the construction:
 * it parses the rendered text and runs the checks' own evaluator over it.
 */
export async function designTable(inputs: EgressInputs, parts: Part[], resolve: Resolve): Promise<Design> {
  const egress = parts.includes('egress');
  const reasons: string[] = [];
  const wanted: Wanted[] = [...inputs.required];
  if (egress) {
    for (const e of inputs.allow) {
      try {
        wanted.push(parseAllowEntry(e));
      } catch (err) {
        reasons.push((err as Error).message);
      }
    }
  }
  const { allowed, unresolved, addrsOf } = await resolveAll(wanted, resolve);
  // Without the egress part nothing but the metadata addresses is rejected: a name that does not resolve cannot be cut off.
  if (egress) for (const u of unresolved) reasons.push(`${u.wanted.host} does not resolve (${u.error}), so the table cannot allow it (${u.wanted.why}); fix the name or its DNS, or list its addresses in [egress] allow`);
  if (reasons.length) return { ok: false, reasons };
  const dns = dnsAllowed(inputs.resolvers);
  const spec: TableSpec = { parts, uids: inputs.users.map((u) => u.uid), ifaces: inputs.ifaces, dns, allowed: egress ? dedupe(allowed) : [] };
  const text = renderTable(spec);

  const rules = { chains: parseNftText(text, 'runnerguard table', () => []) };
  const sources: Array<{ label: string; probe: Omit<Probe, 'proto' | 'daddr' | 'dport' | 'family'> }> = [
    ...inputs.users.map((u) => ({ label: `${u.name} (uid ${u.uid})`, probe: { hook: 'output' as const, uid: u.uid, gid: u.uid, groups: [] } })),
    // A packet from a container comes in on one concrete bridge: "br-*" stands for any br-<network id>.
    ...inputs.ifaces.map((i) => ({ label: `job containers on ${i}`, probe: { hook: 'forward' as const, iif: i.replace('*', '0123456789ab') } })),
  ];
  const needs = [
    ...inputs.required.flatMap((w) => (addrsOf.get(w) ?? []).map((addr) => ({ what: `${w.why} (${addr} tcp/${w.port})`, addr, proto: 'tcp', port: w.port! }))),
    ...dns.map((d) => ({ what: `DNS resolver ${d.addr} (${d.proto}/53, /etc/resolv.conf)`, addr: d.addr, proto: d.proto!, port: 53 })),
  ];
  for (const n of needs) {
    for (const s of sources) {
      const p: Probe = { ...s.probe, family: n.addr.includes(':') ? 'ip6' : 'ip', proto: n.proto, daddr: n.addr, dport: n.port };
      const blocked = evaluate(rules, p, (v) => (/^\d+$/.test(v) ? Number(v) : undefined), () => undefined).find((o) => o.verdict === 'drop');
      if (blocked) reasons.push(`the table would cut ${s.label} off from ${n.what}: ${decider(blocked)}`);
    }
  }
  if (reasons.length) return { ok: false, reasons };
  const what = egress ? `${spec.allowed.length} destination(s) and DNS allowed, everything else rejected and counted` : `${METADATA_V4} and ${METADATA_V6} rejected, the rest untouched`;
  return { ok: true, text, spec, summary: `table inet runnerguard for ${who(inputs)}: ${what}` };
}
