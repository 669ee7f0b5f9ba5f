import check from '../../../checks/jenkins/work-dir.js';
import { defineCases } from '../../helpers/check-cases.js';
import { agentUnit, jenkinsAgent, SUBJECT, URL } from './fixture.js';

export default defineCases({
  check,
  passing: [{ name: '-workDir "/var/lib/jenkins/agent" (quoted)', build: (t) => jenkinsAgent(t), expect: [{ status: 'pass', subject: SUBJECT, evidence: ['-workDir /var/lib/jenkins/agent'] }] }],
  failing: [
    {
      name: 'no -workDir (WorkingDirectory= alone is not remoting\'s work dir)',
      build: (t) => jenkinsAgent(t, { unit: agentUnit({ exec: `/usr/bin/java -jar /var/lib/jenkins/agent.jar -url ${URL} -secret @/var/lib/jenkins/secret-file -name build-1` }) }),
      expect: [{ status: 'warn', subject: SUBJECT, message: 'no -workDir' }],
    },
  ],
  notApplicable: [{ name: 'no agent', build: async () => {}, expect: [{ status: 'skip', subject: 'jenkins-agent' }] }],
});
