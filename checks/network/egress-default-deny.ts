import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import type { FindingDraft } from '../../agent/engine/types.js';
import { REF } from '../references.js';
import { evaluate, FRESH, type Outcome, type Probe } from './evaluate.js';
import { assumedText, bridgeProbe, decider, forEachSubject, stepLines, userProbe, type EgressEnv } from './egress.js';
import type { Match } from './model.js';

type Shape = Pick<Probe, 'family' | 'proto' | 'daddr' | 'dport'>;
interface Source {
  label?: string;
  make(p: Shape): Probe;
}

/** A destination restriction the agent cannot read (an ipset, a host name) still restricts. */
const narrows = (m: Match) => m.key === 'daddr' || (m.key === 'opaque' && m.narrowsDestination === true);

/** Accepting outcomes that restrict neither the address nor (for the generic probes) the port. */
function wideOpen(env: EgressEnv, src: Source, shapes: Shape[]): Outcome[] {
  return shapes.flatMap((s) => evaluate(env.rules, src.make(s), env.uidOf, env.gidOf)).filter((o) => o.verdict === 'accept' && !o.assumed.some(narrows));
}

function describe(os: Outcome[]): string {
  return [...new Set(os.map((o) => (o.assumed.length ? `${decider(o)} (when ${assumedText(o.assumed)})` : decider(o))))].join('; ');
}

const where = (src: Source) => (src.label ? ` from ${src.label}` : '');

/**
 * Default-deny means: a connection to an address and port no rule names
 * ends in DROP/REJECT when every match the agent cannot decide is taken as
 * not applying. Then the allow-list is read with those matches applying.
 */
function judge(subject: string, who: string, sources: Source[], env: EgressEnv, v6?: Source): FindingDraft {
  const generic: Shape = { family: 'ip', proto: FRESH, daddr: FRESH };
  const defaults = sources.map((src) => ({ src, d: evaluate(env.rules, src.make(generic), env.uidOf, env.gidOf).find((o) => o.assumed.length === 0)! }));
  const open = defaults.filter(({ d }) => d.verdict === 'accept');
  if (open.length) {
    const { src, d } = open[0]!;
    return verdict.fail(subject, `no DROP/REJECT default for traffic of ${who}${where(src)}: a new connection to any address is accepted (${decider(d)})`, open.flatMap((o) => stepLines(o.d.path)));
  }
  const warnings: string[] = [];
  const evidence = defaults.flatMap(({ d }) => stepLines(d.path));
  for (const src of sources) {
    const any = wideOpen(env, src, [generic, { ...generic, proto: 'tcp' }, { ...generic, proto: 'udp' }]);
    const https = any.length ? [] : wideOpen(env, src, [{ ...generic, proto: 'tcp', dport: 443 }]);
    if (any.length) warnings.push(`the allow-list for ${who}${where(src)} accepts any destination: ${describe(any)}`);
    if (https.length) warnings.push(`the allow-list for ${who}${where(src)} accepts all tcp/443 (any address): ${describe(https)}`);
    evidence.push(...[...any, ...https].flatMap((o) => stepLines(o.path)));
  }
  if (v6) {
    const d6 = evaluate(env.rules, v6.make({ ...generic, family: 'ip6' }), env.uidOf, env.gidOf).find((o) => o.assumed.length === 0)!;
    if (d6.verdict === 'accept') {
      warnings.push(`IPv4 egress of ${who} is default-deny but IPv6 is not (${decider(d6)}); acceptable only while the host has no IPv6 route`);
      evidence.push(...stepLines(d6.path));
    }
  }
  const lines = [...new Set(evidence)];
  if (warnings.length) return verdict.warn(subject, warnings.join('; '), lines);
  return verdict.pass(subject, `egress of ${who} is default-deny (${[...new Set(defaults.map(({ d }) => decider(d)))].join('; ')}) and the allow-list names its destinations`, lines);
}

export default defineCheck({
  meta: {
    id: 'RG-NET-001',
    title: 'Runner egress is default-deny',
    severity: 'high',
    area: 'network',
    rationale:
      'A job can run any code a branch pushes. With open egress it can send the checkout, CI variables and the runner token anywhere and download tools for lateral movement; a default-deny egress with an allow-list of the GitLab/GitHub, registry and package hosts leaves it nowhere to send them.',
    references: [REF.glNetworkSegmentation, REF.lessonNetwork, REF.guideNetwork, REF.guideChecklistProcess],
    reads: [
      'iptables-nft-save, iptables-legacy-save, ip6tables-*-save, nft -j list ruleset (live)',
      '/etc/iptables/rules.v4, rules.v6, /etc/sysconfig/iptables, ip6tables, /etc/nftables.conf and its includes (offline)',
      'gitlab-runner.service, actions.runner.*.service, config.toml, /etc/docker/daemon.json, /etc/passwd',
    ],
    remediation: {
      summary:
        'Drop the runner user\'s new outbound connections by default (OUTPUT: owner-match for its uid ending in -j REJECT, or an nft output chain with policy drop) and job containers\' (DOCKER-USER: -i docker0 -j REJECT after the allowed destinations), allowing only the GitLab/GitHub URL, registries, package mirrors and DNS.',
      automated: 'RG-NET-001',
    },
    timeoutMs: 30_000,
  },
  async run(ctx) {
    return forEachSubject(ctx, {
      user(u, env) {
        const who = `${u.name} (uid ${u.uid})`;
        const src: Source = { make: (s) => userProbe(u, s) };
        return judge(u.subject, who, [src], env, src);
      },
      containers(bridges, env) {
        return judge('containers', 'job containers', bridges.map((b) => ({ label: b.label, make: (s) => bridgeProbe(b, s) })), env);
      },
    });
  },
});
