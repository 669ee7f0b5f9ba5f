import check from '../../../checks/runner/host-namespaces.js';
import { defineCases } from '../../helpers/check-cases.js';
import { noRunner, runner, runnerHost } from './fixture.js';

export default defineCases({
  check,
  passing: [{ name: 'bridge network, default profiles, a custom seccomp profile', build: (t) => runnerHost(t, runner('a', 'docker', '\t[runners.docker]\n\t\tnetwork_mode = "bridge"\n\t\tsecurity_opt = ["seccomp=/etc/docker/seccomp.json", "no-new-privileges"]\n')), expect: [{ status: 'pass', subject: 'runner:a' }] }],
  failing: [
    {
      name: 'host network and pid, seccomp and apparmor unconfined, label disable',
      build: (t) => runnerHost(t, runner('a', 'docker', '\t[runners.docker]\n\t\tnetwork_mode = "host"\n\t\tpid_mode = "host"\n\t\tsecurity_opt = ["seccomp:unconfined", "apparmor=unconfined", "label=disable"]\n')),
      expect: [
        {
          status: 'fail',
          subject: 'runner:a',
          evidence: ['[runners.docker] network_mode = "host"', '[runners.docker] pid_mode = "host"', '[runners.docker] security_opt "seccomp:unconfined"', '[runners.docker] security_opt "apparmor=unconfined"', '[runners.docker] security_opt "label=disable"'],
        },
      ],
    },
    { name: 'kubernetes allow_privilege_escalation = true', build: (t) => runnerHost(t, runner('k', 'kubernetes', '\t[runners.kubernetes]\n\t\tallow_privilege_escalation = true\n')), expect: [{ status: 'fail', subject: 'runner:k', evidence: ['[runners.kubernetes] allow_privilege_escalation = true'] }] },
  ],
  notApplicable: [noRunner, { name: 'ssh runner', build: (t) => runnerHost(t, runner('s', 'ssh')), expect: [{ status: 'skip', subject: 'runner:s' }] }],
});
