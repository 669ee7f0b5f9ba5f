import check from '../../../checks/runner/ssh-host-keys.js';
import { defineCases } from '../../helpers/check-cases.js';
import { noRunner, runner, runnerHost } from './fixture.js';

const ssh = (extra: string) => `\t[runners.ssh]\n\t\thost = "build1.internal"\n\t\tport = "22"\n\t\tuser = "ci"\n\t\tidentity_file = "/home/gitlab-runner/.ssh/id_ed25519"\n${extra}`;

export default defineCases({
  check,
  passing: [{ name: 'known_hosts_file pinned', build: (t) => runnerHost(t, runner('s', 'ssh', ssh('\t\tknown_hosts_file = "/home/gitlab-runner/.ssh/known_hosts"\n'))), expect: [{ status: 'pass', subject: 'runner:s', message: 'known_hosts' }] }],
  failing: [
    { name: 'strict host key checking disabled', build: (t) => runnerHost(t, runner('s', 'ssh', ssh('\t\tdisable_strict_host_key_checking = true\n'))), expect: [{ status: 'fail', subject: 'runner:s', evidence: ['[runners.ssh] disable_strict_host_key_checking = true'] }] },
    { name: 'no known_hosts_file', build: (t) => runnerHost(t, runner('s', 'ssh', ssh(''))), expect: [{ status: 'warn', subject: 'runner:s', evidence: ['[runners.ssh] host = "build1.internal"'] }] },
  ],
  notApplicable: [noRunner, { name: 'docker runner', build: (t) => runnerHost(t, runner('d', 'docker')), expect: [{ status: 'skip', subject: 'runner:d' }] }],
});
