import { lchown } from 'node:fs/promises';
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
      name: 'stopped agent, the secret in a drop-in under /etc/systemd/system.control (systemd applies it; the unit facts read it)',
      build: async (t) => {
        await jenkinsAgent(t);
        await t.file(`/etc/systemd/system.control/${UNIT}.d/50-x.conf`, `[Service]\nExecStart=\nExecStart=${inline}\n`, { mode: 0o644 });
      },
      expect: [{ status: 'fail', subject: SUBJECT, message: `also written in /etc/systemd/system.control/${UNIT}.d/50-x.conf (mode 0644, readable by group and others)`, evidence: [`drop-ins: /etc/systemd/system.control/${UNIT}.d/50-x.conf`] }],
    },
    {
      name: 'stopped agent, the secret in the dash-prefix dir jenkins-.service.d, sorting after the unit\'s own @file drop-in',
      build: async (t) => {
        await jenkinsAgent(t);
        await t.file(`/etc/systemd/system/${UNIT}.d/10-file.conf`, `[Service]\nExecStart=\nExecStart=/usr/bin/java -jar /var/lib/jenkins/agent.jar -url ${URL} -secret @/var/lib/jenkins/secret-file\n`, { mode: 0o644 });
        await t.file('/etc/systemd/system/jenkins-.service.d/zz.conf', `[Service]\nExecStart=\nExecStart=${inline}\n`, { mode: 0o600 });
      },
      expect: [{ status: 'fail', subject: SUBJECT, message: '/etc/systemd/system/jenkins-.service.d/zz.conf (mode 0600)' }],
    },
    {
      name: 'attacker: a drop-in dir and file the agent user (uid 1500) owns: the -secret @file read now may not hold (warn, not pass)',
      build: async (t) => {
        await jenkinsAgent(t);
        await t.dir(`/etc/systemd/system/${UNIT}.d`, { uid: 1500, gid: 1500 });
        await t.file(`/etc/systemd/system/${UNIT}.d/override.conf`, '[Service]\nNice=5\n', { uid: 1500, gid: 1500 });
      },
      expect: [{ status: 'warn', subject: SUBJECT, message: /^not a pass: jenkins-agent\.service takes settings from files a user other than root can rewrite \(\/etc\/systemd\/system\/jenkins-agent\.service\.d\/override\.conf is owned by uid 1500\); .*As read: the secret is read from/, evidence: [`not root's alone: /etc/systemd/system/${UNIT}.d/override.conf is owned by uid 1500`] }],
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
  errors: [
    {
      name: 'attacker: a drop-in that is a link uid 999 planted (to a root-only file holding an override): not followed, so not a pass',
      build: async (t) => {
        await jenkinsAgent(t);
        await t.file('/root/override.conf', `[Service]\nExecStart=\nExecStart=${inline}\n`, { mode: 0o600 });
        await t.symlink('/etc/systemd/system.control/jenkins-.service.d/50-x.conf', '/root/override.conf');
        await lchown(t.p('/etc/systemd/system.control/jenkins-.service.d/50-x.conf'), 999, 999);
      },
      expect: [{ status: 'error', subject: SUBJECT, message: /^not a pass: systemd applies to jenkins-agent\.service what could not be read \(\/etc\/systemd\/system\.control\/jenkins-\.service\.d\/50-x\.conf is a symlink owned by uid 999: not followed\)/ }],
    },
    {
      name: 'a binary drop-in where systemd reads one: not read, so not a pass',
      build: async (t) => {
        await jenkinsAgent(t);
        await t.file(`/run/systemd/transient/${UNIT}.d/50-x.conf`, Buffer.from([0x5b, 0x00, 0xff, 0x0a]));
      },
      expect: [{ status: 'error', subject: SUBJECT, message: 'holds a NUL byte or invalid UTF-8 (binary, not unit text): not read' }],
    },
  ],
});
