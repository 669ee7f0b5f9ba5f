import check from '../../../checks/github/ephemeral.js';
import { defineCases } from '../../helpers/check-cases.js';
import { actionsRunner, DIR, SUBJECT } from './fixture.js';

export default defineCases({
  check,
  passing: [
    { name: '.runner with "ephemeral": true (and a BOM)', build: (t) => actionsRunner(t, { runner: '\ufeff{"agentName": "e", "ephemeral": true}' }), expect: [{ status: 'pass', subject: SUBJECT }] },
    { name: 'started with --once', build: (t) => actionsRunner(t, { exec: `${DIR}/bin/Runner.Listener run --once` }), expect: [{ status: 'pass', subject: SUBJECT, message: '--once' }] },
  ],
  failing: [{ name: 'persistent runner', build: (t) => actionsRunner(t), expect: [{ status: 'warn', subject: SUBJECT, evidence: [`${DIR}/.runner: no "ephemeral": true`] }] }],
  notApplicable: [
    { name: 'no Actions runner', build: async () => {}, expect: [{ status: 'skip', subject: 'github-runner' }] },
    {
      name: 'unit installed, runner not configured yet (no .runner)',
      build: async (t) => {
        await t.useradd('gh', { uid: 1200 });
        await t.unit('actions.runner.acme-app.x.service', `[Service]\nExecStart=${DIR}/runsvc.sh\nUser=gh\nWorkingDirectory=${DIR}\n`);
      },
      expect: [{ status: 'skip', subject: SUBJECT, message: 'not configured' }],
    },
  ],
  errors: [{ name: '.runner is not JSON', build: (t) => actionsRunner(t, { runner: 'agentName=x\n' }), expect: [{ status: 'error', subject: SUBJECT, message: `${DIR}/.runner: invalid JSON` }] }],
});
