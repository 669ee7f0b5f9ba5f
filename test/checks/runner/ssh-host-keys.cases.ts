import check from '../../../checks/runner/ssh-host-keys.js';
import { defineCases } from '../../helpers/check-cases.js';
import { CONFIG_PATH, garbage, malformed, noRunner, runner, runnerHost } from './fixture.js';

const at = (line: number) => `${CONFIG_PATH}:${line}: `;

/** [runners.ssh] as register writes it (tabs), plus `extra` lines. In a first runner it starts at line 16. */
const ssh = (extra: string, host = 'build1.internal') =>
  `\t[runners.ssh]\n\t\thost = "${host}"\n\t\tport = "22"\n\t\tuser = "ci"\n\t\tidentity_file = "/home/gitlab-runner/.ssh/id_ed25519"\n${extra}`;
const KNOWN = '\t\tknown_hosts_file = "/etc/gitlab-runner/known_hosts"\n';

export default defineCases({
  check,
  passing: [
    {
      name: 'known_hosts_file pinned, an unknown key next to it',
      build: (t) => runnerHost(t, runner('s', 'ssh', ssh(`${KNOWN}\t\tsome_future_option = "x"\n`))),
      expect: [{ status: 'pass', subject: 'runner:s', message: 'build1.internal is checked against /etc/gitlab-runner/known_hosts', evidence: [`${at(21)}[runners.ssh] known_hosts_file = "/etc/gitlab-runner/known_hosts"`] }],
    },
    {
      name: 'two ssh runners, strict checking explicitly on: one finding each, lines per runner',
      build: (t) =>
        runnerHost(t, runner('a', 'ssh', ssh(`\t\tdisable_strict_host_key_checking = false\n${KNOWN}`)) + runner('b', 'ssh', ssh(KNOWN, 'build2.internal'))),
      expect: [
        { status: 'pass', subject: 'runner:a', evidence: [`${at(22)}[runners.ssh] known_hosts_file`] },
        { status: 'pass', subject: 'runner:b', message: 'build2.internal', evidence: [`${at(41)}[runners.ssh] known_hosts_file`] },
      ],
    },
  ],
  failing: [
    {
      name: 'strict host key checking disabled, even with a known_hosts_file',
      build: (t) => runnerHost(t, runner('s', 'ssh', ssh(`\t\tdisable_strict_host_key_checking = true # MITM welcome\n${KNOWN}`))),
      expect: [
        {
          status: 'fail',
          subject: 'runner:s',
          message: 'host key checking is disabled: whoever intercepts the connection to build1.internal receives every job script',
          evidence: [`${at(21)}[runners.ssh] disable_strict_host_key_checking = true`, `${at(17)}[runners.ssh] host = "build1.internal"`],
        },
      ],
    },
    {
      name: 'no known_hosts_file: warn, says which setups it is acceptable in',
      build: (t) => runnerHost(t, runner('s', 'ssh', ssh(''))),
      expect: [
        {
          status: 'warn',
          subject: 'runner:s',
          message: /~\/\.ssh\/known_hosts of the user running gitlab-runner .*before 15\.0 .* acceptable only when that file is managed and pins build1\.internal/,
          evidence: [`${at(16)}[runners.ssh] known_hosts_file unset`, `${at(16)}[runners.ssh] disable_strict_host_key_checking unset`],
        },
      ],
    },
    {
      name: 'several runners: a failing ssh runner, a pinned one, a docker one skipped',
      build: (t) =>
        runnerHost(t, runner('bad', 'ssh', ssh('\t\tdisable_strict_host_key_checking = true\n')) + runner('good', 'ssh', ssh(KNOWN)) + runner('d', 'docker', '\t[runners.docker]\n\t\timage = "alpine"\n')),
      expect: [
        { status: 'fail', subject: 'runner:bad', evidence: [`${at(21)}[runners.ssh] disable_strict_host_key_checking = true`] },
        { status: 'pass', subject: 'runner:good' },
        { status: 'skip', subject: 'runner:d', message: 'not an ssh executor (executor "docker")' },
      ],
    },
  ],
  notApplicable: [
    noRunner,
    {
      name: 'docker and shell runners only',
      build: (t) => runnerHost(t, runner('d', 'docker', '\t[runners.docker]\n\t\timage = "alpine"\n') + runner('sh', 'shell')),
      expect: [
        { status: 'skip', subject: 'runner:d' },
        { status: 'skip', subject: 'runner:sh', message: 'executor "shell"' },
      ],
    },
    {
      name: 'installed, not registered: no [[runners]] yet',
      build: (t) => runnerHost(t, '', 'concurrent = 1\ncheck_interval = 0\n\n[session_server]\n  session_timeout = 1800\n'),
      expect: [{ status: 'skip', subject: CONFIG_PATH, message: 'no [[runners]]' }],
    },
  ],
  errors: [
    malformed,
    garbage,
    {
      name: 'an unterminated string in [runners.ssh]: error at its line',
      build: (t) => runnerHost(t, runner('s', 'ssh', ssh(KNOWN, 'build1.internal\n\t\tport = "22'))),
      expect: [{ status: 'error', subject: CONFIG_PATH, message: /^\/etc\/gitlab-runner\/config\.toml:17: malformed TOML/ }],
    },
  ],
});
