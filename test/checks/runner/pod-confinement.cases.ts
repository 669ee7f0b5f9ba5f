import check from '../../../checks/runner/pod-confinement.js';
import { defineCases } from '../../helpers/check-cases.js';
import { garbage, malformed, noRunner, runner, runnerHost } from './fixture.js';

const k8s = (lines: string) => `\t[runners.kubernetes]\n\t\tnamespace = "ci"\n${lines}`;

export default defineCases({
  check,
  passing: [
    {
      name: 'no token mounted, non-root pod with RuntimeDefault seccomp',
      build: (t) =>
        runnerHost(
          t,
          runner('k', 'kubernetes', k8s('\t\tautomount_service_account_token = false\n\t\t[runners.kubernetes.pod_security_context]\n\t\t\trun_as_non_root = true\n\t\t\trun_as_user = 1000\n\t\t\t[runners.kubernetes.pod_security_context.seccomp_profile]\n\t\t\t\ttype = "RuntimeDefault"\n')),
        ),
      expect: [{ status: 'pass', subject: 'runner:k', evidence: [/\[runners\.kubernetes\] automount_service_account_token = false$/] }],
    },
  ],
  failing: [
    {
      name: 'the build container Unconfined (seccomp) and allowed to escalate; service containers as root',
      build: (t) =>
        runnerHost(
          t,
          runner(
            'k',
            'kubernetes',
            k8s(
              '\t\tautomount_service_account_token = false\n\t\t[runners.kubernetes.build_container_security_context]\n\t\t\tallow_privilege_escalation = true\n\t\t\t[runners.kubernetes.build_container_security_context.seccomp_profile]\n\t\t\t\ttype = "Unconfined"\n\t\t[runners.kubernetes.service_container_security_context]\n\t\t\trun_as_user = 0\n',
            ),
          ),
        ),
      expect: [
        {
          status: 'fail',
          subject: 'runner:k',
          message: 'the build container runs with seccomp switched off (seccomp_profile type Unconfined); the build container may gain privileges (allow_privilege_escalation = true); service containers runs as root (run_as_user = 0)',
          evidence: ['[runners.kubernetes.build_container_security_context] seccomp_profile.type = "Unconfined"', '[runners.kubernetes.service_container_security_context] run_as_user = 0'],
        },
      ],
    },
    {
      name: 'a runner as the Helm chart docs write it: token automount left to the cluster default (warn)',
      build: (t) => runnerHost(t, runner('k', 'kubernetes', k8s('\t\timage = "alpine"\n'))),
      expect: [{ status: 'warn', subject: 'runner:k', message: /^automount_service_account_token is unset: Kubernetes mounts/ }],
    },
    {
      name: 'attacker-shaped spelling: AppArmor "unconfined" in lower case on the whole pod, /proc unmasked',
      build: (t) =>
        runnerHost(
          t,
          runner('k', 'kubernetes', k8s('\t\tautomount_service_account_token = false\n\t\t[runners.kubernetes.pod_security_context]\n\t\t\t[runners.kubernetes.pod_security_context.app_armor_profile]\n\t\t\t\ttype = "unconfined"\n\t\t[runners.kubernetes.helper_container_security_context]\n\t\t\tproc_mount = "Unmasked"\n')),
        ),
      expect: [{ status: 'fail', subject: 'runner:k', message: 'the whole pod runs with AppArmor switched off (app_armor_profile type Unconfined); the helper container sees /proc unmasked' }],
    },
  ],
  notApplicable: [
    noRunner,
    { name: 'docker runner', build: (t) => runnerHost(t, runner('d', 'docker', '\t[runners.docker]\n')), expect: [{ status: 'skip', subject: 'runner:d', message: 'runs no pods' }] },
  ],
  errors: [malformed, garbage],
});
