import check from '../../../checks/jenkins/not-root.js';
import { defineCases } from '../../helpers/check-cases.js';
import { agentUnit, jenkinsAgent, SUBJECT, UNIT } from './fixture.js';

export default defineCases({
  check,
  passing: [
    { name: 'User=jenkins', build: (t) => jenkinsAgent(t), expect: [{ status: 'pass', subject: SUBJECT, message: 'runs as jenkins (uid 1500)', evidence: [`unit /etc/systemd/system/${UNIT}`, 'User=jenkins'] }] },
    {
      name: 'a user unit of ci (systemctl --user): runs as ci',
      build: async (t) => {
        await t.useradd('ci', { uid: 1700 });
        await t.file('/home/ci/.config/systemd/user/agent.service', agentUnit({ user: '', exec: '/usr/bin/java -jar /home/ci/agent.jar -url https://j.example/ -secret @/home/ci/secret -name ci-1 -workDir /home/ci/agent' }), { uid: 1700, gid: 1700 });
      },
      expect: [{ status: 'pass', subject: 'jenkins-agent:ci/agent.service', message: 'runs as ci (uid 1700)', evidence: [/^user unit \/home\/ci\/\.config\/systemd\/user\/agent\.service \(systemctl --user of ci\)$/] }],
    },
  ],
  failing: [
    { name: 'unit without User=', build: (t) => jenkinsAgent(t, { unit: agentUnit({ user: '' }) }), expect: [{ status: 'fail', subject: SUBJECT, message: 'its unit has no User=', evidence: ['User=(unset)'] }] },
    { name: 'User=root', build: (t) => jenkinsAgent(t, { unit: agentUnit({ user: 'root' }) }), expect: [{ status: 'fail', subject: SUBJECT, message: 'runs as root' }] },
    {
      name: 'User= a uid-0 alias; slave.jar of an old agent in /usr/lib/systemd/system',
      build: async (t) => {
        await t.file('/etc/passwd', 'root:x:0:0:root:/root:/bin/bash\ntoor:x:0:0::/root:/bin/sh\n');
        await t.unit('slave.service', agentUnit({ user: 'toor', exec: '/usr/lib/jvm/java-11-openjdk-amd64/bin/java -jar /opt/slave.jar -jnlpUrl http://ci:8080/computer/x/slave-agent.jnlp' }), '/usr/lib/systemd/system');
      },
      expect: [{ status: 'fail', subject: 'jenkins-agent:slave.service', message: 'it runs as toor (uid 0)' }],
    },
  ],
  notApplicable: [{ name: 'no agent', build: async () => {}, expect: [{ status: 'skip', subject: 'jenkins-agent' }] }],
});
