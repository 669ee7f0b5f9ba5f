import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { evaluate, type Probe } from '../../../checks/network/evaluate.js';
import { parseIptablesSave } from '../../../checks/network/iptables.js';
import type { RuleSet } from '../../../checks/network/model.js';
import { parseNftJson } from '../../../checks/network/nft-json.js';
import { parseNftText } from '../../../checks/network/nft-text.js';

/**
 * Differential test of the three rule readers: a rule set as written in a file
 * (nftables.conf text, rules.v4) must be judged exactly as the same rule set
 * once the kernel holds it and `nft -j list ruleset` / `iptables-save` print it
 * back. Each set is loaded into a fresh network namespace (unshare -n).
 * (The JSON of tables iptables-nft made is not compared: it shows xtables
 * matches as bare {"xt": …}, which is why the agent reads those tables with
 * iptables-nft-save.)
 */
function inNetns(script: string, stdin: string): string {
  const r = spawnSync('unshare', ['-n', 'bash', '-euo', 'pipefail', '-c', script], { input: stdin, encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`${script}: exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}

const UIDS: Record<string, number> = { 'gitlab-runner': 998, root: 0 };
const uidOf = (v: string) => (/^\d+$/.test(v) ? Number(v) : UIDS[v]);
const gidOf = uidOf;

/** Every probe the egress checks ask, over a grid of owners, bridges, addresses and ports. */
function probes(): Probe[] {
  const out: Probe[] = [];
  const dests: Array<Pick<Probe, 'proto' | 'daddr' | 'dport'>> = [];
  for (const daddr of ['169.254.169.254', '203.0.113.10', '10.1.2.3', '*']) {
    for (const [proto, dport] of [['tcp', 443], ['tcp', 8080], ['udp', 53], ['*', undefined]] as const) dests.push({ proto, daddr, dport });
  }
  for (const d of dests) {
    for (const uid of [998, 0]) out.push({ family: 'ip', hook: 'output', uid, gid: uid, groups: [], ...d });
    for (const [iif, saddr] of [['docker0', '172.17.0.2'], ['br-0123456789ab', '172.18.0.2']] as const) out.push({ family: 'ip', hook: 'forward', iif, saddr, ...d });
  }
  return out;
}

/** What the evaluator concludes for each probe: the verdicts of the certain outcome and of all outcomes. */
function judge(rs: RuleSet): string[] {
  return probes().map((p) => {
    const os = evaluate(rs, p, uidOf, gidOf);
    const certain = os.find((o) => o.assumed.length === 0)?.verdict ?? 'none';
    return `${p.hook} ${p.uid ?? p.iif} ${p.proto} ${p.daddr}:${p.dport ?? '-'} => ${certain} [${[...new Set(os.map((o) => o.verdict))].sort().join(',')}]`;
  });
}

const NFT_SETS: Record<string, string> = {
  'skuid allow-list with a named set, interval set and icmpx reject': `table inet runner_egress {
  set allowed4 { type ipv4_addr; flags interval; elements = { 203.0.113.0/28, 198.51.100.7 } }
  chain out {
    type filter hook output priority 0; policy accept;
    meta skuid != 998 accept
    ct state established,related accept
    ip daddr 169.254.0.0/16 reject
    ip daddr @allowed4 tcp dport { 443, 22 } accept
    udp dport 53 accept
    counter reject with icmpx type admin-prohibited
  }
}
`,
  'forward chain with policy drop, interface wildcards, a jump and a return': `define JOBS = { "docker0", "br-*" }
table ip jobs {
  chain metadata {
    ip daddr 169.254.169.254 drop
    return
  }
  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    jump metadata
    iifname $JOBS ip daddr 203.0.113.10 tcp dport 443 accept
    iifname "br-*" udp dport 53 accept
  }
}
`,
  'output policy drop for everyone, uid ranges and negated ports': `table ip egress {
  chain output {
    type filter hook output priority 10; policy drop;
    oifname "lo" accept
    meta skuid 0 accept
    meta skuid 900-999 tcp dport != 8080 ip daddr != 169.254.169.254 accept
  }
}
`,
  'verdict maps, l4proto, port ranges, ct state new and a second table at another priority': `table inet a {
  chain out {
    type filter hook output priority -10;
    meta l4proto udp udp dport 1-1024 accept
    ip daddr vmap { 169.254.169.254 : drop, 10.0.0.0/8 : accept }
  }
}
table ip b {
  chain out {
    type filter hook output priority 0; policy accept;
    ct state new meta skuid 998 tcp dport { 80, 8000-8999 } reject
    meta skuid 998 ip daddr 203.0.113.10 drop
  }
  chain fw {
    type filter hook forward priority 0; policy accept;
    iifname != "docker0" accept
    ip daddr != 203.0.113.0/24 drop
  }
}
`,
};

const IPT_SETS: Record<string, string> = {
  'DOCKER-USER with owner matches, multiport and comments': `*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:DOCKER-USER - [0:0]
:RUNNER-OUT - [0:0]
-A FORWARD -j DOCKER-USER
-A FORWARD -i docker0 ! -o docker0 -j ACCEPT
-A OUTPUT -m owner --uid-owner 998 -j RUNNER-OUT
-A RUNNER-OUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A RUNNER-OUT -d 169.254.169.254/32 -m comment --comment "cloud \\"metadata\\"" -j REJECT
-A RUNNER-OUT -d 203.0.113.0/28 -p tcp -m multiport --dports 443,22 -j ACCEPT
-A RUNNER-OUT -p udp --dport 53 -j ACCEPT
-A RUNNER-OUT -j REJECT
-A DOCKER-USER -d 169.254.0.0/16 -j DROP
-A DOCKER-USER -i br-+ -p tcp ! --dport 443 -j REJECT
-A DOCKER-USER -j RETURN
COMMIT
`,
  'OUTPUT policy DROP with iprange and a goto': `*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT DROP [0:0]
:ALLOW - [0:0]
-A OUTPUT -o lo -j ACCEPT
-A OUTPUT -m owner --uid-owner 0 -j ACCEPT
-A OUTPUT -g ALLOW
-A ALLOW -m iprange --dst-range 203.0.113.1-203.0.113.20 -p tcp --dport 443 -j ACCEPT
-A FORWARD -s 172.17.0.0/16 -d 169.254.169.254/32 -j REJECT
COMMIT
`,
  'negated owner, old-style negation, a user chain called twice': `*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:MD - [0:0]
-A OUTPUT -m owner ! --uid-owner 998 -j ACCEPT
-A OUTPUT -j MD
-A OUTPUT ! -d 203.0.113.0/24 -p tcp -j DROP
-A OUTPUT -p udp -m udp ! --dport 53 -j REJECT
-A FORWARD -j MD
-A FORWARD ! -i docker0 -j ACCEPT
-A FORWARD -p tcp -m tcp --dport 8080 -j DROP
-A MD -d 169.254.169.254/32 -j DROP
-A MD -d 10.0.0.0/8 -j RETURN
COMMIT
`,
};

const asRoot = process.getuid?.() === 0 ? describe : describe.skip;

asRoot('rule readers agree with the kernel\'s own listing', () => {
  for (const [name, text] of Object.entries(NFT_SETS)) {
    it(`nftables.conf text vs nft -j list ruleset: ${name}`, () => {
      const offline: RuleSet = { chains: parseNftText(text, '/etc/nftables.conf', () => []) };
      const live: RuleSet = parseNftJson(inNetns('nft -f - && nft -j list ruleset', text), 'nft -j list ruleset');
      expect(judge(live)).toEqual(judge(offline));
      // The set is not trivial: it accepts some probes and drops others.
      expect(new Set(judge(offline).map((l) => l.split(' => ')[1]!.split(' ')[0])).size).toBeGreaterThan(1);
    });
  }
  for (const [name, text] of Object.entries(IPT_SETS)) {
    for (const backend of ['nft', 'legacy']) {
      it(`rules.v4 vs iptables-${backend}-save: ${name}`, () => {
        const offline = parseIptablesSave({ text, family: 'ip', origin: '/etc/iptables/rules.v4', file: true });
        const saved = inNetns(`iptables-${backend}-restore && iptables-${backend}-save`, text);
        const live = parseIptablesSave({ text: saved, family: 'ip', origin: `iptables-${backend}-save`, file: false });
        expect(judge({ chains: live.chains })).toEqual(judge({ chains: offline.chains }));
        expect(new Set(judge({ chains: offline.chains }).map((l) => l.split(' => ')[1]!.split(' ')[0])).size).toBeGreaterThan(1);
      });
    }
  }
});
