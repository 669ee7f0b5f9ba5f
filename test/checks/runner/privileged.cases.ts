import check from '../../../checks/runner/privileged.js';
import { defineCases } from '../../helpers/check-cases.js';
import { CONFIG_PATH, garbage, malformed, noRunner, runner, runnerHost } from './fixture.js';

const docker = (keys: string) => `\t[runners.docker]\n\t\timage = "alpine:3.20"\n${keys}`;

export default defineCases({
  check,
  passing: [
    {
      name: 'privileged = false on docker, kubernetes without privileged, services_privileged = false: one finding per runner',
      build: (t) =>
        runnerHost(
          t,
          runner('a', 'docker', docker('\t\tprivileged = false\n')) +
            runner('b', 'kubernetes', '\t[runners.kubernetes]\n\t\tnamespace = "ci"\n') +
            runner('c', 'docker+machine', docker('\t\tservices_privileged = false\n')),
        ),
      expect: [
        { status: 'pass', subject: 'runner:a', evidence: [`${CONFIG_PATH}:18: [runners.docker] privileged = false`, /\[runners\.docker\] services_privileged unset$/] },
        { status: 'pass', subject: 'runner:b', evidence: ['[runners.kubernetes] privileged unset'] },
        { status: 'pass', subject: 'runner:c', message: 'not privileged' },
      ],
    },
    {
      name: 'a leftover [runners.kubernetes] privileged = true on a docker runner is not used',
      build: (t) => runnerHost(t, runner('d', 'docker', docker('') + '\t[runners.kubernetes]\n\t\tprivileged = true\n')),
      expect: [{ status: 'pass', subject: 'runner:d' }],
    },
  ],
  failing: [
    {
      name: 'privileged docker runner next to a clean one: services inherit privileged',
      build: (t) => runnerHost(t, runner('dind', 'docker', docker('\t\tprivileged = true\n')) + runner('plain', 'docker', docker(''))),
      expect: [
        {
          status: 'fail',
          subject: 'runner:dind',
          message: 'job containers run privileged whatever their image; service containers run privileged whatever their image (services_privileged is unset, so services inherit privileged = true): any job can take over the host',
          evidence: [
            `${CONFIG_PATH}:18: [runners.docker] privileged = true`,
            `${CONFIG_PATH}:16: [runners.docker] services_privileged unset (services inherit privileged = true)`,
            /\[runners\.docker\] allowed_privileged_images unset$/,
          ],
        },
        { status: 'pass', subject: 'runner:plain' },
      ],
    },
    {
      name: 'services_privileged = true alone (privileged = false)',
      build: (t) => runnerHost(t, runner('svc', 'docker', docker('\t\tprivileged = false\n\t\tservices_privileged = true\n'))),
      expect: [{ status: 'fail', subject: 'runner:svc', message: /^service containers run privileged whatever their image: any job/, evidence: [/:19: \[runners\.docker\] services_privileged = true$/] }],
    },
    {
      name: 'kubernetes privileged = true (its allowed_privileged_images is not a runner setting)',
      build: (t) => runnerHost(t, runner('k8s', 'kubernetes', '\t[runners.kubernetes]\n\t\tprivileged = true\n\t\tallowed_privileged_images = ["docker:*-dind"]\n')),
      expect: [
        {
          status: 'fail',
          subject: 'runner:k8s',
          message: 'every container of every job pod runs privileged, whatever the image (the kubernetes executor has no allow-list for it): any job can take over the node',
          evidence: [`${CONFIG_PATH}:17: [runners.kubernetes] privileged = true`],
        },
      ],
    },
    {
      name: 'kubernetes: privileged unset, the service containers\' security context says privileged = true',
      build: (t) => runnerHost(t, runner('k', 'kubernetes', '\t[runners.kubernetes]\n\t\tnamespace = "ci"\n\t\t[runners.kubernetes.service_container_security_context]\n\t\t\tprivileged = true\n')),
      expect: [{ status: 'fail', subject: 'runner:k', message: /^service containers run privileged/, evidence: ['[runners.kubernetes.service_container_security_context] privileged = true'] }],
    },
    {
      name: 'allowed_privileged_images limits job images, but services inherit privileged for any image',
      build: (t) => runnerHost(t, runner('dind', 'docker', docker('\t\tprivileged = true\n\t\tallowed_privileged_images = ["docker:*-dind"]\n'))),
      expect: [
        {
          status: 'fail',
          subject: 'runner:dind',
          message: /^service containers run privileged whatever their image \(services_privileged is unset/,
          evidence: ['[runners.docker] allowed_privileged_images = ["docker:*-dind"]', '[runners.docker] allowed_privileged_services unset'],
        },
      ],
    },
    {
      name: 'privileged restricted by both allow-lists (multi-line array with comments): warn, verify protected-only in GitLab',
      build: (t) =>
        runnerHost(
          t,
          runner(
            'dind',
            'docker-autoscaler',
            docker('\t\tprivileged = true\n\t\tallowed_privileged_images = [\n\t\t\t"docker:*-dind", # DinD only\n\t\t\t"registry.example.com/ci/dind:*",\n\t\t]\n\t\tallowed_privileged_services = ["docker:*-dind"]\n'),
          ),
        ),
      expect: [
        {
          status: 'warn',
          subject: 'runner:dind',
          message:
            'privileged only for allowed_privileged_images (docker:*-dind, registry.example.com/ci/dind:*) and allowed_privileged_services (docker:*-dind): acceptable only on a protected-only runner (jobs from protected branches only), which config.toml cannot show: verify in GitLab',
          evidence: [/:19: \[runners\.docker\] allowed_privileged_images = \["docker:\*-dind", "registry\.example\.com\/ci\/dind:\*"\]$/],
        },
      ],
    },
    {
      name: 'privileged job image allow-listed, services_privileged = false: warn',
      build: (t) => runnerHost(t, runner('kaniko', 'docker', docker('\t\tprivileged = true\n\t\tservices_privileged = false\n\t\tallowed_privileged_images = ["gcr.io/kaniko-project/executor:*"]\n'))),
      expect: [{ status: 'warn', subject: 'runner:kaniko', message: /^privileged only for allowed_privileged_images \(gcr\.io\/kaniko-project\/executor:\*\): acceptable only on a protected-only runner/ }],
    },
  ],
  notApplicable: [
    noRunner,
    {
      name: 'shell, ssh and custom runners, even with a leftover [runners.docker] privileged = true',
      build: (t) => runnerHost(t, runner('sh', 'shell', docker('\t\tprivileged = true\n')) + runner('remote', 'ssh') + runner('own', 'custom')),
      expect: [
        { status: 'skip', subject: 'runner:sh', message: 'the shell executor runs jobs directly on the host, in no container: privileged does not apply' },
        { status: 'skip', subject: 'runner:remote', message: 'the ssh executor runs jobs over SSH on another machine' },
        { status: 'skip', subject: 'runner:own', message: 'the custom executor' },
      ],
    },
    {
      name: 'VM executors (virtualbox, parallels)',
      build: (t) => runnerHost(t, runner('vb', 'virtualbox') + runner('pl', 'parallels')),
      expect: [
        { status: 'skip', subject: 'runner:vb', message: 'VirtualBox VMs' },
        { status: 'skip', subject: 'runner:pl', message: 'Parallels VMs' },
      ],
    },
    { name: 'installed, no [[runners]] registered', build: (t) => runnerHost(t, ''), expect: [{ status: 'skip', subject: CONFIG_PATH, message: 'no [[runners]]' }] },
  ],
  errors: [malformed, garbage],
});
