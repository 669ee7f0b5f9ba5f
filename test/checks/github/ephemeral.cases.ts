import check from '../../../checks/github/ephemeral.js';
import { defineCases } from '../../helpers/check-cases.js';
import { actionsRunner, DIR, dotRunner, runnerDirs, SUBJECT } from './fixture.js';

export default defineCases({
  check,
  passing: [
    {
      name: '.runner with "ephemeral": true after a BOM (config.sh --ephemeral)',
      build: (t) => actionsRunner(t, { runner: dotRunner(',\n  "ephemeral": true') }),
      expect: [{ status: 'pass', subject: SUBJECT, message: '"ephemeral": true', evidence: [`${DIR}/.runner: "ephemeral": true`] }],
    },
    {
      name: 'just-in-time runner: --jitconfig in ExecStart, no .runner at all; the JIT blob stays out of the report',
      build: (t) => actionsRunner(t, { runner: null, exec: `${DIR}/bin/Runner.Listener run --jitconfig "eyJ.RUNNERJITBLOB"` }),
      expect: [{ status: 'pass', subject: SUBJECT, message: 'started with --jitconfig:', evidence: [/^ExecStart has --jitconfig$/] }],
    },
    {
      name: 'started with --once (quoted args), .runner without the key',
      build: (t) => actionsRunner(t, { exec: `"${DIR}/run.sh" "--once"` }),
      expect: [{ status: 'pass', subject: SUBJECT, message: 'started with --once' }],
    },
    {
      name: 'dir from [github] runner_dirs (no unit), ephemeral',
      build: (t) => actionsRunner(t, { noUnit: true, runner: dotRunner(',"ephemeral":true') }),
      config: runnerDirs(DIR),
      expect: [{ status: 'pass', subject: SUBJECT }],
    },
  ],
  failing: [
    {
      name: 'persistent runner: no "ephemeral" key',
      build: (t) => actionsRunner(t),
      expect: [{ status: 'warn', subject: SUBJECT, message: 'persistent runner', evidence: [`${DIR}/.runner: no "ephemeral" key`] }],
    },
    {
      name: '"ephemeral": false, and the string "true" is not true',
      build: async (t) => {
        await actionsRunner(t, { runner: dotRunner(',\n  "ephemeral": false') });
        await t.unit('actions.runner.acme-ops.x.service', `[Service]\nExecStart=/opt/r2/runsvc.sh\nUser=gh\nWorkingDirectory=/opt/r2\n`);
        await t.file('/opt/r2/.runner', '{"agentName": "x", "ephemeral": "true"}');
      },
      expect: [
        { status: 'warn', subject: SUBJECT, evidence: [`${DIR}/.runner: "ephemeral": false`] },
        { status: 'warn', subject: 'github-runner:/opt/r2', evidence: ['/opt/r2/.runner: "ephemeral": "true"'] },
      ],
    },
  ],
  notApplicable: [
    { name: 'no Actions runner', build: async () => {}, expect: [{ status: 'skip', subject: 'github-runner' }] },
    {
      name: 'unit installed, runner not configured yet (no .runner)',
      build: (t) => actionsRunner(t, { runner: null }),
      expect: [{ status: 'skip', subject: SUBJECT, message: `${DIR}/.runner does not exist: the runner is not configured` }],
    },
  ],
  errors: [
    { name: '.runner is not JSON', build: (t) => actionsRunner(t, { runner: 'agentName=x\n' }), expect: [{ status: 'error', subject: SUBJECT, message: `${DIR}/.runner: invalid JSON` }] },
    { name: '.runner is a JSON array', build: (t) => actionsRunner(t, { runner: '[1, 2]' }), expect: [{ status: 'error', subject: SUBJECT, message: `${DIR}/.runner: not a JSON object` }] },
    {
      name: '.runner is binary garbage',
      build: (t) => actionsRunner(t, { runner: Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0xff]).toString('latin1') }),
      expect: [{ status: 'error', subject: SUBJECT, message: `${DIR}/.runner: invalid JSON` }],
    },
    {
      name: '.runner is a directory',
      build: async (t) => {
        await actionsRunner(t, { runner: null });
        await t.dir(`${DIR}/.runner`);
      },
      expect: [{ status: 'error', subject: SUBJECT, message: `${DIR}/.runner: is a directory` }],
    },
  ],
});
