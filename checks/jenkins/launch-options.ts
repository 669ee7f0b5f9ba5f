import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import { REF } from '../references.js';
import { agentEvidence, forEachJenkinsAgent } from './agents.js';

export default defineCheck({
  meta: {
    id: 'RG-JENKINS-004',
    title: 'Jenkins agent connects with current, verified options',
    severity: 'medium',
    area: 'jenkins',
    rationale:
      '-jnlpUrl is deprecated (remoting prints so at start): it fetches the connection file from a URL built from the agent name, and -url/-name (with -webSocket or -direct) replace it. -noCertificateCheck turns off TLS verification of the controller: anyone on the path can pose as the controller, take the secret and run code on this host.',
    references: [REF.jenkinsInbound],
    reads: ['agent units and /proc/*/cmdline of running agents: -jnlpUrl, -noCertificateCheck'],
    remediation: { summary: 'Replace -jnlpUrl URL/computer/NAME/jenkins-agent.jnlp by -url URL -name NAME (add -webSocket where the TCP agent port is closed); drop -noCertificateCheck and pass the controller\'s CA with -cert @/path/ca.pem.' },
  },
  async run(ctx) {
    return forEachJenkinsAgent(ctx, (a) => {
      const evidence = agentEvidence(a);
      if (a.noCertificateCheck) return verdict.fail(a.subject, 'the agent runs with -noCertificateCheck: it does not verify the controller\'s TLS certificate', [...evidence, '-noCertificateCheck']);
      if (a.jnlpUrl) return verdict.warn(a.subject, '-jnlpUrl is deprecated: use -url and -name', [...evidence, `-jnlpUrl ${a.jnlpUrl}`]);
      const url = a.args.includes('-url') || a.args.some((x) => x.startsWith('-url=')) ? '-url' : a.args.includes('-direct') ? '-direct' : 'the controller (SSH launcher or stdin/stdout)';
      return verdict.pass(a.subject, `connects with ${url}`, evidence);
    });
  },
});
