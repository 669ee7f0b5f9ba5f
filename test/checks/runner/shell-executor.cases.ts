import check from '../../../checks/runner/shell-executor.js';
import { defineCases } from '../../helpers/check-cases.js';
import { noRunner, runner, runnerHost } from './fixture.js';

export default defineCases({
  check,
  passing: [{ name: 'docker and kubernetes', build: (t) => runnerHost(t, runner('d', 'docker') + runner('k', 'kubernetes')), expect: [{ status: 'pass', subject: 'runner:d' }, { status: 'pass', subject: 'runner:k' }] }],
  failing: [{ name: 'a shell runner among docker ones', build: (t) => runnerHost(t, runner('d', 'docker') + runner('sh', 'shell')), expect: [{ status: 'pass', subject: 'runner:d' }, { status: 'warn', subject: 'runner:sh', evidence: ['executor = "shell"'] }] }],
  notApplicable: [
    noRunner,
    { name: 'installed, no [[runners]] registered', build: (t) => runnerHost(t, ''), expect: [{ status: 'skip', subject: '/etc/gitlab-runner/config.toml', message: 'no [[runners]]' }] },
  ],
});
