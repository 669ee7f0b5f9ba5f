import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import type { FindingDraft } from '../../agent/engine/types.js';
import { REF } from '../references.js';
import { evaluate, type Outcome } from './evaluate.js';
import { assumedText, bridgeProbe, decider, forEachSubject, stepLines, userProbe } from './egress.js';

/** The link-local metadata service of AWS, GCP, Azure, OpenStack and most other clouds. */
export const METADATA = '169.254.169.254';
const PROBE = { proto: 'tcp', daddr: METADATA, dport: 80 } as const;

interface Judged {
  reachable: Outcome[];
  blocked: Outcome[];
}

function judge(outcomes: Outcome[]): Judged {
  return { reachable: outcomes.filter((o) => o.verdict === 'accept'), blocked: outcomes.filter((o) => o.verdict === 'drop') };
}

/** One finding from the outcomes of one or more probes (one per container network). */
function finding(subject: string, who: string, results: Array<{ label?: string; j: Judged }>): FindingDraft {
  const open = results.filter((r) => r.j.reachable.length > 0);
  if (open.length === 0) {
    const deciders = [...new Set(results.flatMap((r) => r.j.blocked.map(decider)))];
    const evidence = [...new Set(results.flatMap((r) => r.j.blocked.flatMap((o) => stepLines(o.path))))];
    return verdict.pass(subject, `${METADATA} is blocked for ${who} (${deciders.join('; ')})`, evidence);
  }
  const certain = open.flatMap((r) => r.j.reachable).filter((o) => o.assumed.length === 0);
  const where = open.some((r) => r.label) ? ` from ${open.map((r) => r.label).join(' and ')}` : '';
  const shown = certain.length ? certain : open.flatMap((r) => r.j.reachable);
  const evidence = [...new Set(shown.flatMap((o) => stepLines(o.path)))];
  if (certain.length) {
    return verdict.fail(subject, `${METADATA} (cloud metadata, instance credentials) is reachable for ${who}${where}: accepted by ${[...new Set(certain.map(decider))].join('; ')}`, evidence);
  }
  const depends = assumedText(shown.flatMap((o) => o.assumed));
  return verdict.fail(subject, `${METADATA} may be reachable for ${who}${where}: no DROP/REJECT covers it for sure; it is accepted when these matches apply, which the agent cannot decide: ${depends}`, evidence);
}

export default defineCheck({
  meta: {
    id: 'RG-NET-002',
    title: 'Cloud metadata endpoint blocked for jobs',
    severity: 'high',
    area: 'network',
    rationale:
      'On a cloud VM, any process that can reach 169.254.169.254 can read the instance role\'s credentials and user data. A job that reaches it turns one malicious pipeline into the cloud account of the runner host.',
    references: [REF.glNetworkSegmentation, REF.lessonNetwork, REF.guideNetwork, REF.guideChecklistProcess],
    reads: [
      'iptables-nft-save, iptables-legacy-save, ip6tables-*-save, nft -j list ruleset (live)',
      '/etc/iptables/rules.v4, /etc/sysconfig/iptables, /etc/nftables.conf and its includes (offline)',
      'gitlab-runner.service, actions.runner.*.service, config.toml, /etc/docker/daemon.json, /etc/passwd',
    ],
    remediation: {
      summary:
        'Reject 169.254.169.254 for the runner user (OUTPUT: -m owner --uid-owner <runner> -d 169.254.169.254 -j REJECT, or nft meta skuid <runner> ip daddr 169.254.169.254 reject) and for job containers (DOCKER-USER: -d 169.254.169.254 -j REJECT), and persist the rules.',
      automated: 'RG-NET-002',
    },
    timeoutMs: 30_000,
  },
  async run(ctx) {
    return forEachSubject(ctx, {
      user(u, env) {
        const out = evaluate(env.rules, userProbe(u, { family: 'ip', ...PROBE }), env.uidOf, env.gidOf);
        return finding(u.subject, `${u.name} (uid ${u.uid})`, [{ j: judge(out) }]);
      },
      containers(bridges, env) {
        const results = bridges.map((b) => ({ label: b.label, j: judge(evaluate(env.rules, bridgeProbe(b, PROBE), env.uidOf, env.gidOf)) }));
        return finding('containers', 'job containers', results);
      },
    });
  },
});
