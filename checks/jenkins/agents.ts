import { verdict } from '../../agent/engine/define-check.js';
import type { CheckContext, FindingDraft } from '../../agent/engine/types.js';
import { jenkinsAgentsFact, type JenkinsAgent } from '../../agent/facts/jenkins.js';
import { doubtPasses } from '../unit-doubt.js';

export const NO_JENKINS_AGENT = 'no Jenkins agent found (no unit or process runs agent.jar or remoting.jar)';

/** Runs `judge` per Jenkins agent; none gives the single skip finding. */
export async function forEachJenkinsAgent(
  ctx: CheckContext,
  judge: (a: JenkinsAgent) => FindingDraft | FindingDraft[] | Promise<FindingDraft | FindingDraft[]>,
): Promise<FindingDraft[]> {
  const agents = await ctx.facts.get(jenkinsAgentsFact);
  if (agents.length === 0) return [verdict.skip('jenkins-agent', NO_JENKINS_AGENT)];
  // A pass needs every file systemd applies to the agent's unit read and root's alone.
  return (await Promise.all(agents.map(async (a) => doubtPasses(await judge(a), a.unit?.unit)))).flat();
}

/** Where the agent's command line was read, and its running processes. */
export function agentEvidence(a: JenkinsAgent): string[] {
  const out = [a.source];
  if (a.unit?.unit.dropIns.length) out.push(`drop-ins: ${a.unit.unit.dropIns.join(', ')}`);
  for (const p of a.processes.slice(0, 3)) out.push(`running as pid ${p.pid} (uid ${p.euid})`);
  return out;
}
