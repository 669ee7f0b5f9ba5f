import type { CheckContext, FindingDraft } from '../../agent/engine/types.js';
import { verdict } from '../../agent/engine/define-check.js';
import { firewallFacts, type FirewallFacts } from '../../agent/facts/firewall.js';
import { withDockerRuntime } from './docker-runtime.js';
import { baseChains, type Outcome, type Probe, type Step } from './evaluate.js';
import { describePolicy, describeRule, type Match, type RuleSet } from './model.js';
import { egressTargets, type Bridge, type EgressTargets, type UserTarget } from './targets.js';

export const NO_RUNNER = 'no GitLab Runner or GitHub Actions runner found: no runner traffic to judge';

export interface EgressEnv {
  targets: EgressTargets;
  fw: FirewallFacts;
  rules: RuleSet;
  uidOf: (v: string) => number | undefined;
  gidOf: (v: string) => number | undefined;
}

/** Everything both egress checks need: who, and the rule set as the kernel would run it. */
export async function egressEnv(ctx: CheckContext): Promise<EgressEnv> {
  const [targets, fw, users] = await Promise.all([egressTargets(ctx), ctx.facts.get(firewallFacts), ctx.host.users()]);
  const rules = !fw.live && targets.containers && targets.dockerIptables ? withDockerRuntime(fw.rules) : fw.rules;
  return {
    targets,
    fw,
    rules,
    uidOf: (v) => (/^\d+$/.test(v) ? Number(v) : users.user(v)?.uid),
    gidOf: (v) => (/^\d+$/.test(v) ? Number(v) : users.group(v)?.gid),
  };
}

/**
 * Runs `judge` per subject: each runner user, then job containers. No
 * runner is one skip; an unreadable rule set or unknown user an error.
 */
export async function forEachSubject(
  ctx: CheckContext,
  judge: {
    user(u: UserTarget & { uid: number }, env: EgressEnv): FindingDraft;
    containers(bridges: Bridge[], env: EgressEnv): FindingDraft;
  },
): Promise<FindingDraft[]> {
  const env = await egressEnv(ctx);
  if (!env.targets.runnerFound) return [verdict.skip('runner', NO_RUNNER)];
  const out: FindingDraft[] = [];
  const subjects: Array<[string, () => FindingDraft, string | undefined, string[]]> = env.targets.users.map((u) => [
    u.subject,
    () => judge.user(u as UserTarget & { uid: number }, env),
    u.error,
    u.why,
  ]);
  if (env.targets.containers) subjects.push(['containers', () => judge.containers(env.targets.containers!.bridges, env), undefined, env.targets.containers.why]);
  for (const [subject, run, userError, why] of subjects) {
    if (userError) out.push(verdict.error(subject, userError, why));
    else if (env.fw.error) out.push(verdict.error(subject, env.fw.error, sourceLines(env.fw)));
    else {
      const f = run();
      f.evidence = [...(f.evidence ?? []), ...why, ...sourceLines(env.fw)];
      out.push(f);
    }
  }
  return out;
}

export function sourceLines(fw: FirewallFacts): string[] {
  if (fw.sources.length === 0) return [fw.live ? 'no firewall command answered' : 'no persisted rule set (/etc/iptables/rules.v4, rules.v6, /etc/sysconfig/iptables, /etc/nftables.conf): nothing is loaded at boot'];
  return fw.sources.map((s) => `source ${s.state}: ${s.detail}`);
}

export function userProbe(u: UserTarget & { uid: number }, p: Omit<Probe, 'hook' | 'uid' | 'gid' | 'groups'>): Probe {
  return { ...p, hook: 'output', uid: u.uid, gid: u.gid ?? u.uid, groups: u.groups };
}

export function bridgeProbe(b: Bridge, p: Omit<Probe, 'hook' | 'iif' | 'saddr' | 'family'>): Probe {
  return { ...p, family: 'ip', hook: 'forward', iif: b.iif, saddr: b.saddr };
}

/** The rules and policies along a path, as their sources write them. */
export function stepLines(path: Step[]): string[] {
  return [...new Set(path.map((s) => (s.rule ? describeRule(s.rule) : describePolicy(s.chain))))];
}

/** What decided, in a few words: "-A OUTPUT -d 169.254.0.0/16 -j DROP" or "policy DROP of filter OUTPUT". */
export function decider(o: Outcome): string {
  const last = o.path.at(-1);
  if (!last) return 'no base chain on this hook (the kernel accepts)';
  if (last.rule) return last.rule.text;
  return `policy ${last.chain.policy ?? 'accept'} of ${last.chain.family} ${last.chain.table} ${last.chain.name}`;
}

export function assumedText(ms: Match[]): string {
  return [...new Set(ms.map((m) => m.text))].join('; ');
}

/** Does the rule set filter this family on this hook at all? */
export function filters(rs: RuleSet, family: 'ip' | 'ip6', hook: 'output' | 'forward'): boolean {
  return baseChains(rs, { family, hook, proto: 'tcp', daddr: '*' }).length > 0;
}
