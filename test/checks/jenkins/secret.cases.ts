import check from '../../../checks/jenkins/secret.js';
import { defineCases } from '../../helpers/check-cases.js';
import { agentUnit, jenkinsAgent, SECRET, SUBJECT, UNIT, URL } from './fixture.js';

const inline = `/usr/bin/java -jar /var/lib/jenkins/agent.jar -url ${URL} -secret ${SECRET} -name build-1 -workDir /var/lib/jenkins/agent`;

export default defineCases({
  check,
  passing: [
    {
      name: '-secret @file, the file 0600 owned by the agent user',
      build: (t) => jenkinsAgent(t),
      expect: [{ status: 'pass', subject: SUBJECT, message: 'read from /var/lib/jenkins/secret-file', evidence: ['/var/lib/jenkins/secret-file: mode 0600 owner jenkins:jenkins', `unit /etc/systemd/system/${UNIT}`] }],
    },
    {
      name: 'relative -secret @secret-file is read from WorkingDirectory=, root-owned 0400',
      build: (t) => jenkinsAgent(t, { secretMode: 0o400, secretUid: 0, unit: agentUnit({ exec: `/usr/bin/java -jar agent.jar -url ${URL} -secret @secret-file -name build-1 -workDir /var/lib/jenkins/agent` }) }),
      expect: [{ status: 'pass', subject: SUBJECT, evidence: ['/var/lib/jenkins/secret-file: mode 0400 owner root:root'] }],
    },
    {
      name: 'SSH-launched agent (remoting.jar, no secret)',
      build: (t) => jenkinsAgent(t, { unit: agentUnit({ exec: '/usr/bin/java -jar /var/lib/jenkins/remoting.jar -workDir /var/lib/jenkins/agent -jar-cache /var/lib/jenkins/agent/remoting/jarCache' }) }),
      expect: [{ status: 'pass', subject: SUBJECT, message: 'no secret on its command line' }],
    },
  ],
  failing: [
    {
      name: 'secret inline in a 0644 unit (the node page command pasted into ExecStart)',
      build: (t) => jenkinsAgent(t, { unit: agentUnit({ exec: inline }) }),
      expect: [{ status: 'fail', subject: SUBJECT, message: `also written in /etc/systemd/system/${UNIT} (mode 0644, readable by group and others)`, evidence: [/-secret on the agent's command line/] }],
    },
    {
      name: 'secret in a 0644 /etc/default EnvironmentFile, passed as ${JENKINS_SECRET}; the report never shows it',
      build: async (t) => {
        await jenkinsAgent(t, { unit: agentUnit({ extra: 'EnvironmentFile=/etc/default/jenkins-agent\n', exec: '/usr/bin/java -jar /var/lib/jenkins/agent.jar -jnlpUrl ${JENKINS_URL}computer/build-1/jenkins-agent.jnlp -secret ${JENKINS_SECRET} -workDir /var/lib/jenkins/agent' }) });
        await t.file('/etc/default/jenkins-agent', `JENKINS_URL=${URL}\nJENKINS_SECRET=${SECRET}\n`, { mode: 0o644 });
      },
      expect: [{ status: 'fail', subject: SUBJECT, message: /EnvironmentFile \/etc\/default\/jenkins-agent \(mode 0644, readable by group and others\)/ }],
    },
    {
      name: 'secret inline through a sh -c wrapper in a drop-in',
      build: async (t) => {
        await jenkinsAgent(t);
        await t.file(`/etc/systemd/system/${UNIT}.d/override.conf`, `[Service]\nExecStart=\nExecStart=/bin/sh -c "exec java -jar /var/lib/jenkins/agent.jar -url ${URL} ${SECRET} build-1"\n`, { mode: 0o600 });
      },
      expect: [{ status: 'fail', subject: SUBJECT, message: `override.conf (mode 0600)` }],
    },
    {
      name: 'secret file as echo left it (0644)',
      build: (t) => jenkinsAgent(t, { secretMode: 0o644 }),
      expect: [{ status: 'fail', subject: SUBJECT, message: 'is readable by group and others', evidence: ['/var/lib/jenkins/secret-file: mode 0644 owner jenkins:jenkins'] }],
    },
    {
      name: 'attacker: the secret file is a link a job user made (to a file it controls)',
      build: async (t) => {
        await jenkinsAgent(t, { noSecretFile: true });
        await t.symlink('/var/lib/jenkins/secret-file', '/tmp/planted');
      },
      expect: [{ status: 'fail', subject: SUBJECT, message: 'is a symlink, not a regular file' }],
    },
    {
      name: 'secret file owned by another user',
      build: async (t) => {
        await t.useradd('build', { uid: 1600 });
        await jenkinsAgent(t, { secretUid: 1600 });
      },
      expect: [{ status: 'fail', subject: SUBJECT, message: 'owned by build, neither root nor the agent user jenkins' }],
    },
  ],
  notApplicable: [
    { name: 'no Jenkins agent', build: async () => {}, expect: [{ status: 'skip', subject: 'jenkins-agent', message: 'no Jenkins agent found' }] },
    {
      name: 'a java service that is not an agent (jenkins.war controller)',
      build: (t) => t.unit('jenkins.service', '[Service]\nUser=jenkins\nExecStart=/usr/bin/java -Djava.awt.headless=true -jar /usr/share/java/jenkins.war --webroot=/var/cache/jenkins/war --httpPort=8080\n'),
      expect: [{ status: 'skip', subject: 'jenkins-agent' }],
    },
  ],
  errors: [],
});
