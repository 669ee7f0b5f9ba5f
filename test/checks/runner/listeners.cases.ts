import check from '../../../checks/runner/listeners.js';
import { defineCases } from '../../helpers/check-cases.js';
import { garbage, malformed, noRunner, runner, runnerHost } from './fixture.js';

export default defineCases({
  check,
  passing: [
    { name: 'no listeners; [session_server] with only session_timeout', build: (t) => runnerHost(t, runner('a', 'docker'), 'concurrent = 1\n[session_server]\n  session_timeout = 1800\n'), expect: [{ status: 'pass', subject: 'listen_address', message: 'no metrics or session listener' }] },
    { name: 'both on loopback (IPv4 and [::1])', build: (t) => runnerHost(t, runner('a', 'docker'), 'listen_address = "127.0.0.1:9252"\n[session_server]\n  listen_address = "[::1]:8093"\n'), expect: [{ status: 'pass', subject: 'listen_address' }, { status: 'pass', subject: 'session_server.listen_address' }] },
  ],
  failing: [
    {
      name: '":9252" (every address) and a session server on a private IP',
      build: (t) => runnerHost(t, runner('a', 'docker'), 'concurrent = 2\nlisten_address = ":9252"\n[session_server]\n  listen_address = "10.1.2.3:8093"\n  advertise_address = "runner1.internal:8093"\n'),
      expect: [
        { status: 'fail', subject: 'listen_address', message: 'metrics and pprof endpoints listen on every address (:9252)' },
        { status: 'fail', subject: 'session_server.listen_address', message: 'listen on 10.1.2.3', evidence: ['session_server.listen_address = "10.1.2.3:8093"'] },
      ],
    },
    { name: '0.0.0.0:9252', build: (t) => runnerHost(t, runner('a', 'docker'), 'listen_address = "0.0.0.0:9252"\n'), expect: [{ status: 'fail', subject: 'listen_address', message: 'every address' }] },
  ],
  notApplicable: [noRunner],
  errors: [malformed, garbage],
});
