import check from '../../../checks/runner/pull-policy.js';
import { defineCases } from '../../helpers/check-cases.js';
import { noRunner, runner, runnerHost } from './fixture.js';

export default defineCases({
  check,
  passing: [
    {
      name: 'always as a string, unset (default always), never in an array',
      build: (t) => runnerHost(t, runner('a', 'docker', '\t[runners.docker]\n\t\tpull_policy = "always"\n') + runner('b', 'docker') + runner('c', 'kubernetes', '\t[runners.kubernetes]\n\t\tpull_policy = ["never"]\n')),
      expect: [
        { status: 'pass', subject: 'runner:a', message: 'pull_policy = ["always"]' },
        { status: 'pass', subject: 'runner:b', message: 'unset' },
        { status: 'pass', subject: 'runner:c' },
      ],
    },
  ],
  failing: [
    {
      name: 'if-not-present as a string and inside an array',
      build: (t) => runnerHost(t, runner('s', 'docker', '\t[runners.docker]\n\t\tpull_policy = "if-not-present"\n') + runner('arr', 'docker', '\t[runners.docker]\n\t\tpull_policy = [\n\t\t\t"always", # first\n\t\t\t"if-not-present",\n\t\t]\n')),
      expect: [
        { status: 'warn', subject: 'runner:s', evidence: ['pull_policy = ["if-not-present"]'] },
        { status: 'warn', subject: 'runner:arr', evidence: ['pull_policy = ["always","if-not-present"]'] },
      ],
    },
  ],
  notApplicable: [
    noRunner,
    {
      name: 'docker+machine with MaxBuilds = 1: moot',
      build: (t) => runnerHost(t, runner('m', 'docker+machine', '\t[runners.docker]\n\t\tpull_policy = "if-not-present"\n\t[runners.machine]\n\t\tMaxBuilds = 1\n')),
      expect: [{ status: 'skip', subject: 'runner:m', message: 'moot' }],
    },
  ],
});
