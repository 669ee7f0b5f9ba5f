import check from '../../../checks/runner/listeners.js';
import { defineCases } from '../../helpers/check-cases.js';
import type { FixtureTree } from '../../helpers/fixture-tree.js';
import { CONFIG_PATH, garbage, malformed, noRunner, runner, runnerHost } from './fixture.js';

const at = (line: number) => `${CONFIG_PATH}:${line}: `;
const DROP_IN = '/etc/systemd/system/gitlab-runner.service.d/metrics.conf';

/** A drop-in as `systemctl edit gitlab-runner` leaves it. */
const dropIn = (t: FixtureTree, service: string) => t.file(DROP_IN, `# metrics for the node's Prometheus\n[Service]\n${service}\n`);

export default defineCases({
  check,
  passing: [
    {
      name: 'no listener: [session_server] holds only session_timeout (as register writes it)',
      build: (t) => runnerHost(t, runner('a', 'docker'), 'concurrent = 1\ncheck_interval = 0\nshutdown_timeout = 0\n\n[session_server]\n  session_timeout = 1800\n'),
      expect: [
        {
          status: 'pass',
          subject: 'listen_address',
          message: 'no metrics/debug server and no session server is configured',
          evidence: [`${CONFIG_PATH}: listen_address unset`, `${at(5)}[session_server] listen_address unset`],
        },
      ],
    },
    {
      name: 'both on loopback: 127.0.0.1:9252 and [::1]:8093',
      build: (t) => runnerHost(t, runner('a', 'docker'), 'concurrent = 4\nlisten_address = "127.0.0.1:9252"\n\n[session_server]\n\tlisten_address = "[::1]:8093"\n\tadvertise_address = "runner1.internal:8093"\n'),
      expect: [
        { status: 'pass', subject: 'listen_address', message: 'listens on loopback only (127.0.0.1:9252)', evidence: [`${at(2)}listen_address = "127.0.0.1:9252"`] },
        { status: 'pass', subject: 'session_server.listen_address', message: 'web terminals', evidence: [`${at(5)}[session_server] listen_address = "[::1]:8093"`] },
      ],
    },
    {
      name: 'localhost without a port (9252 is the default) and a spelled-out ::1',
      build: (t) => runnerHost(t, runner('a', 'docker'), 'listen_address = "localhost"\n[session_server]\n  listen_address = "[0:0:0:0:0:0:0:1]:8093"\n'),
      expect: [
        { status: 'pass', subject: 'listen_address', message: '(localhost)' },
        { status: 'pass', subject: 'session_server.listen_address' },
      ],
    },
    {
      name: 'config says ":9252" but a unit drop-in passes --listen-address=127.0.0.1:9252, which wins',
      build: async (t) => {
        await runnerHost(t, runner('a', 'docker'), 'listen_address = ":9252"\n');
        await dropIn(t, `ExecStart=\nExecStart=/usr/bin/gitlab-runner run --config ${CONFIG_PATH} --listen-address=127.0.0.1:9252`);
      },
      expect: [
        {
          status: 'pass',
          subject: 'listen_address',
          message: '(127.0.0.1:9252)',
          evidence: [`(+ ${DROP_IN}): ExecStart --listen-address "127.0.0.1:9252" (overrides config.toml)`, `${at(1)}listen_address = ":9252"`],
        },
      ],
    },
  ],
  failing: [
    {
      name: '":9252" (every address) and a session server on a private IP: one finding per listener',
      build: (t) =>
        runnerHost(t, runner('a', 'docker'), 'concurrent = 2\nlisten_address = ":9252"\n[session_server]\n  listen_address = "10.1.2.3:8093"\n  advertise_address = "runner1.internal:8093"\n  session_timeout = 1800\n'),
      expect: [
        {
          status: 'fail',
          subject: 'listen_address',
          message: /^the metrics and debug server \(\/metrics, \/debug\/pprof, .*no authentication\) listens on every address of the host \(":9252"\)/,
          evidence: [`${at(2)}listen_address = ":9252"`],
        },
        { status: 'fail', subject: 'session_server.listen_address', message: 'web terminals into running jobs) listens on 10.1.2.3 ("10.1.2.3:8093")', evidence: [`${at(4)}[session_server] listen_address = "10.1.2.3:8093"`] },
      ],
    },
    {
      name: '"[::]:9252" (the Helm chart default) and a session server bound to a host name',
      build: (t) => runnerHost(t, runner('a', 'kubernetes'), 'listen_address = "[::]:9252"\n\n[session_server]\n  listen_address = "runner1.example.com:8093"\n'),
      expect: [
        { status: 'fail', subject: 'listen_address', message: 'every address of the host ("[::]:9252")' },
        { status: 'fail', subject: 'session_server.listen_address', message: 'listens on the host name runner1.example.com ("runner1.example.com:8093")' },
      ],
    },
    {
      name: '0.0.0.0:9252 on a runner with no [[runners]] yet: the listener runs anyway',
      build: (t) => runnerHost(t, '', 'concurrent = 1\nlisten_address = "0.0.0.0:9252"\n'),
      expect: [{ status: 'fail', subject: 'listen_address', message: 'every address of the host ("0.0.0.0:9252")' }],
    },
    {
      name: 'Environment=LISTEN_ADDRESS in a drop-in opens a public IP; the session server is local',
      build: async (t) => {
        await runnerHost(t, runner('a', 'docker') + runner('b', 'shell'), 'concurrent = 2\n[session_server]\n  listen_address = "127.0.0.1:8093"\n');
        await dropIn(t, 'Environment="LISTEN_ADDRESS=203.0.113.7:9252" "GODEBUG=x509ignoreCN=0"');
      },
      expect: [
        {
          status: 'fail',
          subject: 'listen_address',
          message: 'listens on 203.0.113.7 ("203.0.113.7:9252")',
          evidence: [`(+ ${DROP_IN}): Environment=LISTEN_ADDRESS=203.0.113.7:9252 (overrides config.toml)`, `${CONFIG_PATH}: listen_address unset`],
        },
        { status: 'pass', subject: 'session_server.listen_address' },
      ],
    },
  ],
  notApplicable: [
    noRunner,
    {
      name: 'runner installed, not registered (no config yet)',
      build: (t) => t.file('/usr/bin/gitlab-runner', '#!/bin/sh\n', { mode: 0o755 }).then(() => undefined),
      expect: [{ status: 'skip', subject: CONFIG_PATH, message: 'has no config' }],
    },
  ],
  errors: [
    malformed,
    garbage,
    {
      name: 'a stray character after listen_address: error at that line',
      build: (t) => runnerHost(t, runner('a', 'docker'), 'concurrent = 1\nlisten_address = ":9252" x\n'),
      expect: [{ status: 'error', subject: CONFIG_PATH, message: /^\/etc\/gitlab-runner\/config\.toml:2: malformed TOML/ }],
    },
  ],
});
