import check from '../../../checks/host/jenkins-controller.js';
import { defineCases } from '../../helpers/check-cases.js';
import type { FixtureTree } from '../../helpers/fixture-tree.js';

const HOME = '/var/lib/jenkins';
const own = { uid: 1500, gid: 1500 };

/** config.xml as a Jenkins 2.4xx controller saves it. */
function configXml(o: { executors?: number; protocols?: string[]; security?: boolean } = {}): string {
  const protocols = o.protocols ? `  <enabledAgentProtocols>\n${o.protocols.map((p) => `    <string>${p}</string>`).join('\n')}\n  </enabledAgentProtocols>\n` : '';
  return `<?xml version='1.1' encoding='UTF-8'?>\n<hudson>\n  <version>2.479.3</version>\n  <numExecutors>${o.executors ?? 0}</numExecutors>\n  <mode>EXCLUSIVE</mode>\n  <useSecurity>${o.security ?? true}</useSecurity>\n${protocols}  <slaveAgentPort>-1</slaveAgentPort>\n</hudson>\n`;
}

async function controller(t: FixtureTree, xml: string): Promise<void> {
  await t.useradd('jenkins', { uid: 1500, home: HOME });
  await t.file(`${HOME}/config.xml`, xml, { mode: 0o644, ...own });
}

export default defineCases({
  check,
  passing: [
    {
      name: 'no executors on the built-in node, only JNLP4-connect',
      build: (t) => controller(t, configXml({ protocols: ['JNLP4-connect'] })),
      expect: [{ status: 'pass', subject: 'jenkins-controller', evidence: [`numExecutors 0 (${HOME}/config.xml)`] }],
    },
  ],
  failing: [
    {
      name: 'attacker: a clean config.xml, but jenkins.service takes JENKINS_HOME from a drop-in uid 999 owns: warn, not pass',
      build: async (t) => {
        await controller(t, configXml({ protocols: ['JNLP4-connect'] }));
        await t.unit('jenkins.service', '[Service]\nUser=jenkins\nExecStart=/usr/bin/jenkins\n', '/lib/systemd/system');
        await t.file('/etc/systemd/system/jenkins.service.d/override.conf', `[Service]\nEnvironment="JENKINS_HOME=${HOME}"\n`, { uid: 999, gid: 999 });
      },
      expect: [{ status: 'warn', subject: 'jenkins-controller', message: /^not a pass: jenkins\.service takes settings from files a user other than root can rewrite \(\/etc\/systemd\/system\/jenkins\.service\.d\/override\.conf is owned by uid 999\)/ }],
    },
    {
      name: 'the package default: 2 executors on the controller',
      build: (t) => controller(t, configXml({ executors: 2 })),
      expect: [{ status: 'fail', subject: 'jenkins-controller', message: /^the built-in node has 2 executor\(s\): builds run on the controller/ }],
    },
    {
      name: 'the agent-to-controller kill switch on, JNLP2-connect enabled, security off',
      build: async (t) => {
        await controller(t, configXml({ protocols: ['JNLP4-connect', 'JNLP2-connect'], security: false }));
        await t.file(`${HOME}/secrets/slave-to-master-security-kill-switch`, 'true\n', { mode: 0o644, ...own });
      },
      expect: [
        {
          status: 'fail',
          subject: 'jenkins-controller',
          message: /^security is off .*; agent-to-controller security is off: .*; agent protocols other than JNLP4-connect are enabled: JNLP2-connect$/,
        },
      ],
    },
    {
      name: 'JCasC in JENKINS_HOME from /etc/default/jenkins wins over config.xml: numExecutors 4, remotingSecurity off',
      build: async (t) => {
        await t.file('/etc/default/jenkins', 'JENKINS_HOME=/srv/jenkins\n');
        await t.useradd('jenkins', { uid: 1500, home: '/srv/jenkins' });
        await t.file('/srv/jenkins/config.xml', configXml(), { ...own });
        await t.file('/srv/jenkins/jenkins.yaml', 'jenkins:\n  numExecutors: 4\n  remotingSecurity:\n    enabled: false\n', { ...own });
      },
      expect: [{ status: 'fail', subject: 'jenkins-controller', message: /^the built-in node has 4 executor\(s\).*; agent-to-controller security is off/, evidence: ['numExecutors 4 (/srv/jenkins/jenkins.yaml)'] }],
    },
    {
      name: 'attacker-shaped config: a protocol name with markup and 10 KB is cut in the evidence',
      build: (t) => controller(t, configXml({ protocols: ['JNLP4-connect', `CLI-connect${'x'.repeat(10_000)}`] })),
      expect: [{ status: 'fail', subject: 'jenkins-controller', message: /enabled: CLI-connectx{29}$/ }],
    },
  ],
  notApplicable: [{ name: 'no Jenkins controller', build: async () => {}, expect: [{ status: 'skip', subject: 'jenkins-controller' }] }],
});
