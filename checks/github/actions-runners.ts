import { verdict } from '../../agent/engine/define-check.js';
import type { CheckContext, FindingDraft } from '../../agent/engine/types.js';
import { githubFacts, type ActionsRunner } from '../../agent/facts/github.js';
import type { FileStat, UserDb } from '../../agent/host/index.js';

export const NO_ACTIONS_RUNNER = 'no GitHub Actions self-hosted runner found (no actions.runner.*.service unit, no configured runner dir with a .runner, no running Runner.Listener, no [github] runner_dirs)';

/** Runs `judge` per Actions runner; no runner gives the single skip finding. */
export async function forEachActionsRunner(
  ctx: CheckContext,
  judge: (r: ActionsRunner) => FindingDraft | FindingDraft[] | Promise<FindingDraft | FindingDraft[]>,
): Promise<FindingDraft[]> {
  const runners = await ctx.facts.get(githubFacts);
  if (runners.length === 0) return [verdict.skip('github-runner', NO_ACTIONS_RUNNER)];
  return (await Promise.all(runners.map((r) => judge(r)))).flat();
}

/** "unit /etc/systemd/system/x.service (+ drop-in)" or where the runner came from without one. */
export function unitEvidence(r: ActionsRunner): string {
  if (!r.unit) {
    const how = r.origin.kind === 'process' ? `its Runner.Listener runs as pid ${r.origin.pid}` : r.origin.kind === 'scan' ? 'found by its .runner file' : 'listed in [github] runner_dirs';
    return `no actions.runner.*.service unit for ${r.dir} (${how})`;
  }
  return `unit ${r.unit.path}${r.unit.dropIns.length ? ` (+ ${r.unit.dropIns.join(', ')})` : ''}`;
}

/** "mode 0600 owner gh:gh" */
export function modeOwner(st: FileStat, users: UserDb): string {
  return `mode ${st.mode.toString(8).padStart(4, '0')} owner ${users.userName(st.uid)}:${users.groupName(st.gid)}`;
}
