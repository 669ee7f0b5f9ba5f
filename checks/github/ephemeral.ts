import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import { REF } from '../references.js';
import { forEachActionsRunner } from './actions-runners.js';

export default defineCheck({
  meta: {
    id: 'RG-GHA-002',
    title: 'Actions runner is ephemeral',
    severity: 'medium',
    area: 'github',
    rationale:
      'A persistent runner keeps whatever one workflow left behind (tools, caches, background processes, modified files) for the next workflow from any repository that may use it.',
    references: [REF.guideGhaEphemeral, REF.ghaEphemeral, REF.lessonEphemeral],
    reads: ['<runner dir>/.runner ("ephemeral"), actions.runner.*.service ExecStart (--once, --ephemeral, --jitconfig)'],
    remediation: { summary: 'Register the runner with --ephemeral (or use just-in-time runners) and recreate it per job; otherwise restrict it to one trusted repository.' },
  },
  run: (ctx) =>
    forEachActionsRunner(ctx, (r) => {
      if (r.settingsError) return verdict.error(r.subject, r.settingsError);
      if (r.settings === null) return verdict.skip(r.subject, `${r.dir}/.runner does not exist: the runner is not configured`);
      if (r.settings.ephemeral === true) return verdict.pass(r.subject, '.runner has "ephemeral": true');
      if (r.ephemeralArgs) return verdict.pass(r.subject, 'started with --once/--ephemeral/--jitconfig');
      return verdict.warn(r.subject, 'persistent runner: workflows share the host state of earlier ones', [`${r.dir}/.runner: no "ephemeral": true`]);
    }),
});
