import check from '../../../checks/jenkins/launch-options.js';
import { defineCases } from '../../helpers/check-cases.js';
import { agentUnit, jenkinsAgent, SUBJECT } from './fixture.js';

export default defineCases({
  check,
  passing: [
    { name: '-url -name -webSocket', build: (t) => jenkinsAgent(t), expect: [{ status: 'pass', subject: SUBJECT, message: 'connects with -url' }] },
    {
      name: '-direct with -instanceIdentity and JNLP4-connect',
      build: (t) => jenkinsAgent(t, { unit: agentUnit({ exec: '/usr/bin/java -jar /var/lib/jenkins/agent.jar -direct jenkins.example.com:50000 -instanceIdentity MIIBIjAN -protocols JNLP4-connect -secret @/var/lib/jenkins/secret-file -name build-1 -workDir /var/lib/jenkins/agent' }) }),
      expect: [{ status: 'pass', subject: SUBJECT, message: 'connects with -direct' }],
    },
  ],
  failing: [
    {
      name: '-jnlpUrl (deprecated)',
      build: (t) => jenkinsAgent(t, { unit: agentUnit({ exec: '/usr/bin/java -jar /var/lib/jenkins/agent.jar -jnlpUrl https://jenkins.example.com/computer/build-1/jenkins-agent.jnlp -secret @/var/lib/jenkins/secret-file -workDir /var/lib/jenkins/agent' }) }),
      expect: [{ status: 'warn', subject: SUBJECT, message: '-jnlpUrl is deprecated', evidence: ['-jnlpUrl https://jenkins.example.com/computer/build-1/jenkins-agent.jnlp'] }],
    },
    {
      name: '-noCertificateCheck',
      build: (t) => jenkinsAgent(t, { unit: agentUnit({ exec: '/usr/bin/java -jar /var/lib/jenkins/agent.jar -url https://jenkins.example.com/ -noCertificateCheck -secret @/var/lib/jenkins/secret-file -name b -workDir /var/lib/jenkins/agent' }) }),
      expect: [{ status: 'fail', subject: SUBJECT, message: '-noCertificateCheck' }],
    },
  ],
  notApplicable: [{ name: 'no agent', build: async () => {}, expect: [{ status: 'skip', subject: 'jenkins-agent' }] }],
});
