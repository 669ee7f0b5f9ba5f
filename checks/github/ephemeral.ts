import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import type { ActionsRunner } from '../../agent/facts/github.js';
import { splitExecStart, unitValue } from '../../agent/facts/systemd.js';
import { REF } from '../references.js';
import { forEachActionsRunner, unitEvidence } from './actions-runners.js';

/** The ExecStart argument that makes the runner take one job (the fact's ephemeralArgs, named). */
function ephemeralArg(r: ActionsRunner): string | undefined {
  const argv = r.unit ? splitExecStart(unitValue(r.unit, 'Service', 'ExecStart') ?? '') : [];
  return argv.find((a) => a === '--once' || a === '--ephemeral' || a.startsWith('--jitconfig'))?.replace(/^(--jitconfig)[= ].*$/s, '$1');
}

export default defineCheck({
  meta: {
    id: 'RG-GHA-002',
    title: 'Actions runner is ephemeral',
    severity: 'medium',
    area: 'github',
    rationale:
      'A persistent runner keeps whatever one workflow left behind (tools, caches, background processes, modified files, credentials) for the next workflow, from any repository that may use it. An ephemeral runner takes one job and is re-created.',
    references: [REF.guideGhaEphemeral, REF.ghaEphemeral, REF.ghaSecurity, REF.lessonEphemeral],
    reads: ['<runner dir>/.runner ("ephemeral")', 'actions.runner.*.service ExecStart (--ephemeral, --once, --jitconfig)'],
    remediation: {
      summary: 'Register the runner with ./config.sh --ephemeral (or start just-in-time runners with --jitconfig) and re-create it after each job; if it must stay persistent, restrict it to one trusted repository.',
    },
  },
  run: (ctx) =>
    forEachActionsRunner(ctx, (r) => {
      const file = `${r.dir}/.runner`;
      // A JIT runner keeps its registration in memory: no .runner is expected then.
      if (r.ephemeralArgs) {
        const arg = ephemeralArg(r) ?? '--ephemeral/--once/--jitconfig';
        return verdict.pass(r.subject, `started with ${arg}: the runner takes one job and exits`, [unitEvidence(r), `ExecStart has ${arg}`]);
      }
      if (r.settingsError) return verdict.error(r.subject, r.settingsError);
      if (r.settings === null) return verdict.skip(r.subject, `${file} does not exist: the runner is not configured`);
      const value = r.settings.ephemeral;
      const evidence = [`${file}: ${value === undefined ? 'no "ephemeral" key' : `"ephemeral": ${JSON.stringify(value)}`}`, unitEvidence(r)];
      if (value === true) return verdict.pass(r.subject, '.runner has "ephemeral": true: the runner takes one job and deregisters', evidence);
      return verdict.warn(
        r.subject,
        'persistent runner: .runner has no "ephemeral": true and ExecStart has no --ephemeral/--once/--jitconfig, so each workflow inherits what earlier ones left on the host',
        evidence,
      );
    }),
});
