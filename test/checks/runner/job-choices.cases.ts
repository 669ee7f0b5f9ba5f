import check from '../../../checks/runner/job-choices.js';
import { defineCases } from '../../helpers/check-cases.js';
import { garbage, malformed, noRunner, runner, runnerHost } from './fixture.js';

const docker = (lines: string) => `\t[runners.docker]\n\t\timage = "alpine:3.20"\n${lines}`;
const k8s = (lines: string) => `\t[runners.kubernetes]\n\t\tnamespace = "ci"\n${lines}`;
const LISTS = '\t\tallowed_images = ["registry.example.com/ci/*:*"]\n\t\tallowed_services = ["postgres:16", "redis:*"]\n';

export default defineCases({
  check,
  passing: [
    {
      name: 'docker: allow-lists and a fixed user; kubernetes: allow-lists, non-root users, no overwrites',
      build: (t) =>
        runnerHost(
          t,
          runner('d', 'docker', docker(`${LISTS}\t\tuser = "1000"\n`)) +
            runner('k', 'kubernetes', k8s(`${LISTS}\t\tallowed_users = ["1000", "65534"]\n\t\tnamespace_overwrite_allowed = ""\n`)),
        ),
      expect: [
        { status: 'pass', subject: 'runner:d', evidence: ['[runners.docker] user = "1000"'] },
        { status: 'pass', subject: 'runner:k' },
      ],
    },
    {
      name: 'docker: allowed_users without root and no user',
      build: (t) => runnerHost(t, runner('d', 'docker', docker(`${LISTS}\t\tallowed_users = ["1000", "nobody"]\n`))),
      expect: [{ status: 'pass', subject: 'runner:d' }],
    },
  ],
  failing: [
    {
      name: 'docker defaults: any image, any service, any user',
      build: (t) => runnerHost(t, runner('d', 'docker', docker(''))),
      expect: [
        {
          status: 'warn',
          subject: 'runner:d',
          message: /^no allowed_images: .*; no allowed_services: .*; neither user nor allowed_users: a job may run as any user, root included/,
          evidence: ['[runners.docker] allowed_images unset', '[runners.docker] user unset'],
        },
      ],
    },
    {
      name: 'kubernetes: bearer token overwrite on, service accounts ".*", root in allowed_users',
      build: (t) =>
        runnerHost(t, runner('k', 'kubernetes', k8s(`${LISTS}\t\tallowed_users = ["0", "1000"]\n\t\tbearer_token_overwrite_allowed = true\n\t\tservice_account_overwrite_allowed = ".*"\n`))),
      expect: [
        {
          status: 'fail',
          subject: 'runner:k',
          message: /^bearer_token_overwrite_allowed = true: .*; service_account_overwrite_allowed matches any name: .*; allowed_users lets a job run as root$/,
          evidence: ['[runners.kubernetes] bearer_token_overwrite_allowed = true', '[runners.kubernetes] service_account_overwrite_allowed = ".*"'],
        },
      ],
    },
    {
      name: 'an anchored namespace pattern is a choice within it: warn, said so',
      build: (t) => runnerHost(t, runner('k', 'kubernetes', k8s(`${LISTS}\t\tnamespace_overwrite_allowed = "^ci-[a-z0-9-]+$"\n`))),
      expect: [{ status: 'warn', subject: 'runner:k', message: 'namespace_overwrite_allowed is set: a job chooses the namespace its pod runs in' }],
    },
    {
      name: 'attacker-shaped pattern: namespace_overwrite_allowed "ci-|" (an empty alternative matches every namespace, kube-system included)',
      build: (t) => runnerHost(t, runner('k', 'kubernetes', k8s(`${LISTS}\t\tnamespace_overwrite_allowed = "ci-|"\n`))),
      expect: [{ status: 'fail', subject: 'runner:k', message: /^namespace_overwrite_allowed matches any name/ }],
    },
    {
      name: 'a Go-only pattern runnerguard cannot compile is not taken as safe',
      build: (t) => runnerHost(t, runner('k', 'kubernetes', k8s(`${LISTS}\t\tpod_labels_overwrite_allowed = "(?P<x>.*"\n`))),
      expect: [{ status: 'warn', subject: 'runner:k', message: /^pod_labels_overwrite_allowed is a pattern runnerguard cannot evaluate/ }],
    },
  ],
  notApplicable: [
    noRunner,
    { name: 'shell runner', build: (t) => runnerHost(t, runner('s', 'shell')), expect: [{ status: 'skip', subject: 'runner:s', message: 'no job images or pods to restrict' }] },
  ],
  errors: [malformed, garbage],
});
