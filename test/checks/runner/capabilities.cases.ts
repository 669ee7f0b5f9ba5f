import check from '../../../checks/runner/capabilities.js';
import { defineCases } from '../../helpers/check-cases.js';
import { CONFIG_PATH, garbage, malformed, noRunner, runner, runnerHost } from './fixture.js';

const at = (line: number) => `${CONFIG_PATH}:${line}: `;
const docker = (lines: string) => `\t[runners.docker]\n\t\timage = "alpine:3.20"\n${lines}`;

export default defineCases({
  check,
  passing: [
    {
      name: 'seed example (cap_drop ALL, no-new-privileges:true) and the kubernetes equivalent',
      build: (t) =>
        runnerHost(
          t,
          runner('d', 'docker', docker('\t\tcap_drop = ["ALL"]\n\t\tcap_add = ["CHOWN", "NET_BIND_SERVICE"]\n\t\tsecurity_opt = ["no-new-privileges:true"]\n')) +
            runner('k', 'kubernetes', '\t[runners.kubernetes]\n\t\tnamespace = "ci"\n\t\tcap_drop = ["all"]\n\t\tallow_privilege_escalation = false\n'),
        ),
      expect: [
        {
          status: 'pass',
          subject: 'runner:d',
          evidence: [`${at(18)}[runners.docker] cap_drop = ["ALL"]`, `${at(19)}[runners.docker] cap_add = ["CHOWN", "NET_BIND_SERVICE"]`, `${at(20)}[runners.docker] security_opt = ["no-new-privileges:true"]`],
        },
        { status: 'pass', subject: 'runner:k', evidence: [`${at(36)}[runners.kubernetes] cap_drop = ["all"]`, `${at(37)}[runners.kubernetes] allow_privilege_escalation = false`] },
      ],
    },
    {
      name: 'spellings: CAP_ALL, bare no-new-privileges, no-new-privileges=true, multi-line arrays with comments',
      build: (t) =>
        runnerHost(
          t,
          runner('a', 'docker', docker('\t\tcap_drop = ["CAP_ALL"]\n\t\tsecurity_opt = ["no-new-privileges"]\n')) +
            runner(
              'b',
              'docker+machine',
              docker('\t\tcap_drop = [\n\t\t\t"ALL", # everything\n\t\t\t# "SYS_ADMIN" was here\n\t\t]\n\t\tsecurity_opt = [\n\t\t\t"seccomp=/etc/docker/seccomp.json",\n\t\t\t"no-new-privileges=true",\n\t\t]\n'),
            ),
        ),
      expect: [
        { status: 'pass', subject: 'runner:a' },
        { status: 'pass', subject: 'runner:b', evidence: [`${at(35)}[runners.docker] cap_drop = ["ALL"]`, `${at(39)}[runners.docker] security_opt = ["seccomp=/etc/docker/seccomp.json", "no-new-privileges=true"]`] },
      ],
    },
  ],
  failing: [
    {
      name: 'CAP_SYS_ADMIN (prefixed, lower case) and NET_ADMIN, hardening otherwise in place',
      build: (t) => runnerHost(t, runner('d', 'docker', docker('\t\tcap_add = ["cap_sys_admin", "NET_ADMIN", "CHOWN"]\n\t\tcap_drop = ["ALL"]\n\t\tsecurity_opt = ["no-new-privileges:true"]\n'))),
      expect: [
        {
          status: 'fail',
          subject: 'runner:d',
          message: /^job containers are given escape capabilities: SYS_ADMIN, NET_ADMIN$/,
          evidence: [`${at(18)}[runners.docker] cap_add = ["cap_sys_admin", "NET_ADMIN", "CHOWN"]`],
        },
      ],
    },
    {
      name: 'cap_add ALL; cap_add SYS_PTRACE on a runner without cap_drop or no-new-privileges',
      build: (t) =>
        runnerHost(
          t,
          runner('all', 'docker', docker('\t\tcap_add = ["ALL"]\n\t\tcap_drop = ["ALL"]\n\t\tsecurity_opt = ["no-new-privileges"]\n')) +
            runner('svc', 'docker-autoscaler', docker('\t\tcap_add = ["SYS_PTRACE"]\n')),
        ),
      expect: [
        { status: 'fail', subject: 'runner:all', message: 'escape capabilities: ALL' },
        {
          status: 'fail',
          subject: 'runner:svc',
          message: 'job containers are given escape capabilities: SYS_PTRACE; also no cap_drop = ["ALL"], no "no-new-privileges:true" in security_opt',
          evidence: [/\[runners\.docker\] cap_add = \["SYS_PTRACE"\]$/, /\[runners\.docker\] cap_drop unset$/, /\[runners\.docker\] security_opt unset$/],
        },
      ],
    },
    {
      name: 'defaults: nothing dropped, no no-new-privileges (warn, says when acceptable)',
      build: (t) => runnerHost(t, runner('d', 'docker', docker('\t\tsecurity_opt = ["seccomp=unconfined"]\n'))),
      expect: [
        {
          status: 'warn',
          subject: 'runner:d',
          message: /^no cap_drop = \["ALL"\] and no "no-new-privileges:true" in security_opt: .*acceptable only on a runner for trusted projects/,
          evidence: [`${at(16)}[runners.docker] cap_drop unset`, `${at(18)}[runners.docker] security_opt = ["seccomp=unconfined"]`],
        },
      ],
    },
    {
      name: 'kubernetes: DAC_READ_SEARCH added; another kubernetes runner without allow_privilege_escalation = false',
      build: (t) =>
        runnerHost(
          t,
          runner('k1', 'kubernetes', '\t[runners.kubernetes]\n\t\tcap_add = ["DAC_READ_SEARCH"]\n\t\tcap_drop = ["ALL"]\n\t\tallow_privilege_escalation = false\n') +
            runner('k2', 'kubernetes', '\t[runners.kubernetes]\n\t\tcap_drop = ["ALL"]\n\t\t[runners.kubernetes.pod_security_context]\n\t\t\trun_as_non_root = true\n'),
        ),
      expect: [
        { status: 'fail', subject: 'runner:k1', message: /escape capabilities: DAC_READ_SEARCH$/, evidence: [`${at(17)}[runners.kubernetes] cap_add = ["DAC_READ_SEARCH"]`] },
        { status: 'warn', subject: 'runner:k2', message: /^no allow_privilege_escalation = false:/, evidence: [`${at(33)}[runners.kubernetes] allow_privilege_escalation unset`] },
      ],
    },
    {
      name: 'kubernetes: cap_drop ALL at the top, but the build container\'s security context adds SYS_ADMIN back',
      build: (t) =>
        runnerHost(
          t,
          runner('k', 'kubernetes', '\t[runners.kubernetes]\n\t\tcap_drop = ["ALL"]\n\t\tallow_privilege_escalation = false\n\t\t[runners.kubernetes.build_container_security_context]\n\t\t\t[runners.kubernetes.build_container_security_context.capabilities]\n\t\t\t\tadd = ["SYS_ADMIN"]\n'),
        ),
      expect: [{ status: 'fail', subject: 'runner:k', message: /^build containers are given escape capabilities: SYS_ADMIN$/, evidence: ['[runners.kubernetes.build_container_security_context.capabilities] add = ["SYS_ADMIN"]'] }],
    },
    {
      name: 'services_cap_add (no such gitlab-runner key: services get no cap_add) is not read as a setting',
      build: (t) => runnerHost(t, runner('d', 'docker', docker('\t\tservices_cap_add = ["SYS_ADMIN"]\n\t\tcap_drop = ["ALL"]\n'))),
      expect: [{ status: 'warn', subject: 'runner:d', message: /^no "no-new-privileges:true" in security_opt/ }],
    },
  ],
  notApplicable: [
    noRunner,
    {
      name: 'shell, ssh and docker-windows runners',
      build: (t) => runnerHost(t, runner('s', 'shell') + runner('ssh', 'ssh', '\t[runners.ssh]\n\t\thost = "b1"\n') + runner('w', 'docker-windows', docker(''))),
      expect: [
        { status: 'skip', subject: 'runner:s', message: 'the shell executor runs jobs directly on the host, in no container' },
        { status: 'skip', subject: 'runner:ssh' },
        { status: 'skip', subject: 'runner:w', message: 'Windows containers' },
      ],
    },
  ],
  errors: [malformed, garbage],
});
