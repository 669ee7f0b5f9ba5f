import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import { REF } from '../references.js';
import { agentEvidence, forEachJenkinsAgent } from './agents.js';

export default defineCheck({
  meta: {
    id: 'RG-JENKINS-001',
    title: 'Jenkins agent does not run as root',
    severity: 'high',
    area: 'jenkins',
    rationale:
      'A Jenkins agent runs every build step of every job sent to it as its own user, directly on the host. As root, one Jenkinsfile (a pull request, a compromised plugin or controller) owns the host and every other job\'s workspace and credentials on it.',
    references: [REF.jenkinsInbound, REF.jenkinsControllerIsolation, REF.guideJenkinsAgent, REF.lessonRootless],
    reads: ['system and user units whose command runs agent.jar/remoting.jar: User=', '/proc/*/cmdline and /proc/*/status of running agents (live)', '/etc/passwd of the target'],
    remediation: { summary: 'Run the agent as a dedicated unprivileged user (useradd --system jenkins; User=jenkins in its unit), with no sudo and not in group docker.' },
  },
  async run(ctx) {
    const users = await ctx.host.users();
    return forEachJenkinsAgent(ctx, (a) => {
      const evidence = [...agentEvidence(a), a.unit ? `User=${a.unit.scope === 'system' ? (a.unit.user ?? '(unset)') : `${a.user} (user unit)`}` : `process uid ${a.processes[0]?.euid}`];
      const rootProc = a.processes.find((p) => p.euid === 0);
      const isRoot = a.user === 'root' || a.user === '0' || users.user(a.user)?.uid === 0;
      if (isRoot || rootProc) {
        const why = rootProc && !isRoot ? `its process ${rootProc.pid} runs as root` : a.unit && a.unit.scope === 'system' && !a.unit.user ? 'its unit has no User=' : `it runs as ${a.user}${a.user === 'root' ? '' : ' (uid 0)'}`;
        return verdict.fail(a.subject, `the Jenkins agent runs as root (${why}): every build step of every job runs as root`, evidence);
      }
      return verdict.pass(a.subject, `runs as ${a.user} (uid ${users.user(a.user)?.uid ?? 'not in /etc/passwd'})`, evidence);
    });
  },
});
