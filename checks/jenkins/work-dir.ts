import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import { REF } from '../references.js';
import { agentEvidence, forEachJenkinsAgent } from './agents.js';

export default defineCheck({
  meta: {
    id: 'RG-JENKINS-003',
    title: 'Jenkins agent has a work directory',
    severity: 'low',
    area: 'jenkins',
    rationale:
      'Without -workDir, remoting keeps no logs of its own and caches the jars the controller sends in ~/.jenkins of the agent user, mixed with whatever builds leave in that home. A work directory gives the agent one place for its cache, logs and workspaces, which cleanup, audit rules and this tool can then watch.',
    references: [REF.jenkinsWorkDir, REF.jenkinsInbound],
    reads: ['agent units and /proc/*/cmdline of running agents: -workDir'],
    remediation: { summary: 'Start the agent with -workDir /var/lib/jenkins-agent (a dir owned by the agent user, mode 0750), and set the node\'s remote root directory on the controller to it.' },
  },
  async run(ctx) {
    return forEachJenkinsAgent(ctx, (a) => {
      const evidence = agentEvidence(a);
      if (a.workDir) return verdict.pass(a.subject, `-workDir ${a.workDir}`, [...evidence, `-workDir ${a.workDir}`]);
      return verdict.warn(a.subject, 'the agent has no -workDir: remoting caches jars in ~/.jenkins and keeps no logs; set -workDir', evidence);
    });
  },
});
