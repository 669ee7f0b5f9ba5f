import check from '../../../checks/runner/host-namespaces.js';
import { defineCases } from '../../helpers/check-cases.js';
import { CONFIG_PATH, garbage, malformed, noRunner, runner, runnerHost } from './fixture.js';

const at = (line: number) => `${CONFIG_PATH}:${line}: `;
/** [runners.docker] with `lines` from line 18 on in a first runner. */
const docker = (lines: string) => `\t[runners.docker]\n\t\timage = "alpine:3.20"\n${lines}`;

export default defineCases({
  check,
  passing: [
    {
      name: 'seed example (bridge network), a custom seccomp profile, an AppArmor profile for services; kubernetes with escalation off',
      build: (t) =>
        runnerHost(
          t,
          runner(
            'd',
            'docker',
            docker('\t\tnetwork_mode = "bridge" # isolated network\n\t\tsecurity_opt = ["seccomp=/etc/docker/seccomp-ci.json", "no-new-privileges:true"]\n\t\tservices_security_opt = ["apparmor=docker-ci"]\n'),
          ) + runner('k', 'kubernetes', '\t[runners.kubernetes]\n\t\tnamespace = "gitlab-runners"\n\t\tallow_privilege_escalation = false\n'),
        ),
      expect: [
        {
          status: 'pass',
          subject: 'runner:d',
          evidence: [`${at(18)}[runners.docker] network_mode = "bridge"`, `${at(19)}[runners.docker] security_opt = ["seccomp=/etc/docker/seccomp-ci.json", "no-new-privileges:true"]`],
        },
        { status: 'pass', subject: 'runner:k', evidence: [`${at(36)}[runners.kubernetes] allow_privilege_escalation = false`] },
      ],
    },
    {
      name: 'register defaults (nothing set) on docker+machine and docker-autoscaler',
      build: (t) => runnerHost(t, runner('m', 'docker+machine', docker('\t\tshm_size = 0\n')) + runner('a', 'docker-autoscaler', docker(''))),
      expect: [
        { status: 'pass', subject: 'runner:m', evidence: [`${at(16)}[runners.docker] network_mode unset`, `${at(16)}[runners.docker] security_opt unset`] },
        { status: 'pass', subject: 'runner:a' },
      ],
    },
  ],
  failing: [
    {
      name: 'host network and PID, then seccomp, AppArmor and SELinux off in a multi-line security_opt with comments',
      build: (t) =>
        runnerHost(
          t,
          runner(
            'd',
            'docker',
            docker(
              '\t\tnetwork_mode = "host"\n\t\tpid_mode = "host"\n\t\tsecurity_opt = [\n\t\t\t"seccomp:unconfined", # buildkit wants it\n\t\t\t# "label=type:container_t",\n\t\t\t"apparmor=unconfined",\n\t\t\t"label=disable",\n\t\t]\n\t\tshm_size = 0\n',
            ),
          ),
        ),
      expect: [
        {
          status: 'fail',
          subject: 'runner:d',
          message: "job containers share the host's network and PID namespaces; job containers run with seccomp, AppArmor and SELinux labels switched off",
          evidence: [
            `${at(18)}[runners.docker] network_mode = "host"`,
            `${at(19)}[runners.docker] pid_mode = "host"`,
            `${at(20)}[runners.docker] security_opt = ["seccomp:unconfined", "apparmor=unconfined", "label=disable"]`,
          ],
        },
      ],
    },
    {
      name: 'IPC and user namespaces ("HOST" in capitals), unconfined services; a clean runner next to it',
      build: (t) =>
        runnerHost(
          t,
          runner('bad', 'docker', docker('\t\tipcmode = "host"\n\t\tuserns_mode = "HOST"\n\t\tservices_security_opt = ["seccomp=unconfined", "systempaths=unconfined", "apparmor:unconfined"]\n')) +
            runner('ok', 'docker', docker('\t\tipcmode = "shareable"\n')),
        ),
      expect: [
        {
          status: 'fail',
          subject: 'runner:bad',
          message: "job containers share the host's IPC and user namespaces; service containers run with seccomp, /proc and /sys masking and AppArmor switched off",
          evidence: [`${at(18)}[runners.docker] ipcmode = "host"`, `${at(19)}[runners.docker] userns_mode = "HOST"`, /:20: \[runners\.docker\] services_security_opt = \["seccomp=unconfined", /],
        },
        { status: 'pass', subject: 'runner:ok' },
      ],
    },
    {
      name: 'network_mode = "host" alone (the metadata endpoint and host-local services become reachable)',
      build: (t) => runnerHost(t, runner('n', 'docker', docker('\t\tnetwork_mode = "host"\n'))),
      expect: [{ status: 'fail', subject: 'runner:n', message: /^job containers share the host's network namespace$/, evidence: [`${at(18)}[runners.docker] network_mode = "host"`] }],
    },
    {
      name: 'kubernetes allow_privilege_escalation = true',
      build: (t) => runnerHost(t, runner('k', 'kubernetes', '\t[runners.kubernetes]\n\t\tnamespace = "ci"\n\t\tallow_privilege_escalation = true\n')),
      expect: [{ status: 'fail', subject: 'runner:k', message: 'allowPrivilegeEscalation is forced on', evidence: [`${at(18)}[runners.kubernetes] allow_privilege_escalation = true`] }],
    },
  ],
  notApplicable: [
    noRunner,
    {
      name: 'ssh, shell, custom and docker-windows runners',
      build: (t) => runnerHost(t, runner('s', 'ssh') + runner('sh', 'shell') + runner('c', 'custom') + runner('w', 'docker-windows', docker('\t\tnetwork_mode = "host"\n'))),
      expect: [
        { status: 'skip', subject: 'runner:s', message: 'the ssh executor runs jobs over SSH on another machine, in no container' },
        { status: 'skip', subject: 'runner:sh' },
        { status: 'skip', subject: 'runner:c' },
        { status: 'skip', subject: 'runner:w', message: 'Windows containers' },
      ],
    },
  ],
  errors: [malformed, garbage],
});
