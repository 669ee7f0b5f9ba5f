import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import type { CheckContext } from '../../agent/engine/types.js';
import { parseEnvFile } from '../../agent/facts/github.js';
import { loadUnit, splitExecStart, unitValues, type Unit } from '../../agent/facts/systemd.js';
import { doubtPass } from '../unit-doubt.js';
import { REF } from '../references.js';

const SAFE_PROTOCOL = 'JNLP4-connect';

/** $JENKINS_HOME as the package's unit or /etc/default/jenkins sets it, else the packages' default. */
async function jenkinsHome(ctx: CheckContext): Promise<{ home: string; casc?: string; unit: Unit | null }> {
  const unit = await loadUnit(ctx.host.fs, 'jenkins.service');
  const env = new Map<string, string>();
  for (const line of unit ? unitValues(unit, 'Service', 'Environment') : []) {
    for (const w of splitExecStart(line)) if (w.includes('=')) env.set(w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1));
  }
  for (const f of ['/etc/default/jenkins', '/etc/sysconfig/jenkins']) {
    const text = await ctx.host.fs.readText(f, { maxBytes: 256 * 1024 }).catch(() => '');
    for (const [k, v] of parseEnvFile(text)) if (!env.has(k)) env.set(k, v);
  }
  return { home: (env.get('JENKINS_HOME') ?? '/var/lib/jenkins').replace(/\/+$/, ''), casc: env.get('CASC_JENKINS_CONFIG'), unit };
}

const tag = (xml: string, name: string) => new RegExp(`<${name}>\\s*([^<]*?)\\s*</${name}>`).exec(xml)?.[1];

export default defineCheck({
  meta: {
    id: 'RG-HOST-005',
    title: 'A Jenkins controller on the host runs no builds and keeps agents in their place',
    severity: 'high',
    area: 'host',
    rationale:
      "Builds on the controller's built-in node run as the controller's user, next to every credential, job config and agent secret it holds: any build can take over Jenkins. Agent-to-controller security stops an agent from reading and writing the controller's files; the old agent protocols (JNLP1-3, CLI-connect) are unencrypted or weakly authenticated, JNLP4-connect is the one to keep.",
    references: [
      'https://www.jenkins.io/doc/book/security/controller-isolation/',
      'https://www.jenkins.io/doc/book/security/controller-isolation/agent-to-controller/',
      'https://www.jenkins.io/doc/book/security/services/',
      'https://github.com/jenkinsci/remoting/blob/master/docs/protocols.md',
      REF.guideChecklistHost,
    ],
    reads: ['jenkins.service Environment=, /etc/default/jenkins, /etc/sysconfig/jenkins (JENKINS_HOME, CASC_JENKINS_CONFIG)', '$JENKINS_HOME/config.xml (numExecutors, useSecurity, agentProtocols), secrets/slave-to-master-security-kill-switch', 'the JCasC jenkins.yaml (numExecutors, remotingSecurity, agentProtocols)'],
    remediation: {
      summary: 'Set the built-in node\'s executors to 0 (Manage Jenkins > Nodes > Built-In Node, or numExecutors: 0 in JCasC) and run builds on agents; delete secrets/slave-to-master-security-kill-switch (or remotingSecurity enabled: true); leave only JNLP4-connect enabled.',
    },
  },
  async run(ctx) {
    const { home, casc, unit } = await jenkinsHome(ctx);
    const xml = await ctx.host.fs.readText(`${home}/config.xml`, { maxBytes: 8 * 1024 * 1024 }).catch(() => null);
    const yamlPath = casc && !casc.startsWith('http') ? (casc.endsWith('.yaml') || casc.endsWith('.yml') ? casc : `${casc}/jenkins.yaml`) : `${home}/jenkins.yaml`;
    const yaml = await ctx.host.fs.readText(yamlPath, { maxBytes: 2 * 1024 * 1024 }).catch(() => null);
    if (xml === null && yaml === null) return [verdict.skip('jenkins-controller', `no Jenkins controller (no ${home}/config.xml or JCasC ${yamlPath})`)];
    const problems: string[] = [];
    const evidence: string[] = [];
    // JCasC applies over config.xml at startup: its values win where it sets them.
    const yamlExec = yaml ? /^\s*numExecutors:\s*(\d+)/m.exec(yaml)?.[1] : undefined;
    const executors = yamlExec ?? (xml ? tag(xml, 'numExecutors') : undefined);
    evidence.push(`numExecutors ${executors ?? 'unset (Jenkins\' default: 2)'} (${yamlExec ? yamlPath : `${home}/config.xml`})`);
    if (executors === undefined || Number(executors) > 0) problems.push(`the built-in node has ${executors ?? 'the default 2'} executor(s): builds run on the controller, next to its secrets`);
    if (xml && tag(xml, 'useSecurity') === 'false') {
      problems.push('security is off (useSecurity false): anyone who reaches Jenkins administers it');
      evidence.push(`${home}/config.xml: <useSecurity>false</useSecurity>`);
    }
    const kill = (await ctx.host.fs.readText(`${home}/secrets/slave-to-master-security-kill-switch`, { maxBytes: 1024 }).catch(() => '')).trim();
    const yamlRemoting = yaml && /remotingSecurity:\s*\n\s*enabled:\s*false/.test(yaml);
    if (kill === 'true' || yamlRemoting) {
      problems.push('agent-to-controller security is off: an agent (and any build on it) can read and write the controller\'s files');
      evidence.push(kill === 'true' ? `${home}/secrets/slave-to-master-security-kill-switch: true` : `${yamlPath}: remotingSecurity enabled: false`);
    }
    const xmlProtocols = xml ? [...(/<enabledAgentProtocols>([\s\S]*?)<\/enabledAgentProtocols>/.exec(xml)?.[1] ?? '').matchAll(/<string>\s*([^<]+?)\s*<\/string>/g)].map((m) => m[1]!) : [];
    const yamlProtocols = yaml ? [...(/agentProtocols:\s*\n((?:\s*-\s*["']?[\w-]+["']?\s*\n?)+)/.exec(yaml)?.[1] ?? '').matchAll(/-\s*["']?([\w-]+)/g)].map((m) => m[1]!) : [];
    const legacy = [...new Set([...xmlProtocols, ...yamlProtocols])].filter((p) => p !== SAFE_PROTOCOL);
    if (legacy.length) {
      problems.push(`agent protocols other than ${SAFE_PROTOCOL} are enabled: ${legacy.map((p) => p.slice(0, 40)).join(', ')}`);
      evidence.push(`enabled agent protocols: ${[...xmlProtocols, ...yamlProtocols].map((p) => p.slice(0, 40)).join(', ')}`);
    }
    if (problems.length) return [verdict.fail('jenkins-controller', problems.join('; '), evidence)];
    // Where JENKINS_HOME is comes from the unit: a drop-in not read, or one a job can rewrite, makes the config judged maybe not the one that runs.
    return [doubtPass(verdict.pass('jenkins-controller', 'the controller runs no builds, agent-to-controller security is on and only JNLP4-connect is enabled', evidence), unit)];
  },
});
