import check from '../../../checks/runner/capabilities.js';
import { defineCases } from '../../helpers/check-cases.js';
import { noRunner, runner, runnerHost } from './fixture.js';

export default defineCases({
  check,
  passing: [
    {
      name: 'seed example: cap_drop ALL and no-new-privileges:true; kubernetes equivalent',
      build: (t) =>
        runnerHost(
          t,
          runner('d', 'docker', '\t[runners.docker]\n\t\tcap_drop = ["ALL"]\n\t\tcap_add = ["CHOWN", "NET_BIND_SERVICE"]\n\t\tsecurity_opt = ["no-new-privileges:true"]\n') +
            runner('k', 'kubernetes', '\t[runners.kubernetes]\n\t\tcap_drop = ["all"]\n\t\tallow_privilege_escalation = false\n'),
        ),
      expect: [{ status: 'pass', subject: 'runner:d' }, { status: 'pass', subject: 'runner:k' }],
    },
  ],
  failing: [
    {
      name: 'CAP_SYS_ADMIN (prefixed, lower case) and NET_ADMIN',
      build: (t) => runnerHost(t, runner('d', 'docker', '\t[runners.docker]\n\t\tcap_add = ["cap_sys_admin", "NET_ADMIN", "CHOWN"]\n\t\tcap_drop = ["ALL"]\n')),
      expect: [{ status: 'fail', subject: 'runner:d', message: 'SYS_ADMIN, NET_ADMIN' }],
    },
    {
      name: 'defaults: nothing dropped, no no-new-privileges',
      build: (t) => runnerHost(t, runner('d', 'docker', '\t[runners.docker]\n\t\timage = "alpine"\n')),
      expect: [{ status: 'warn', subject: 'runner:d', message: 'missing cap_drop = ["ALL"] and security_opt "no-new-privileges:true"' }],
    },
  ],
  notApplicable: [noRunner, { name: 'shell runner', build: (t) => runnerHost(t, runner('s', 'shell')), expect: [{ status: 'skip', subject: 'runner:s' }] }],
});
