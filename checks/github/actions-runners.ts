import { verdict } from '../../agent/engine/define-check.js';
import type { CheckContext, FindingDraft } from '../../agent/engine/types.js';
import { githubFacts, type ActionsRunner } from '../../agent/facts/github.js';
import type { FileStat, UserDb } from '../../agent/host/index.js';
import { doubtPasses } from '../unit-doubt.js';

export const NO_ACTIONS_RUNNER = 'no GitHub Actions self-hosted runner found (no actions.runner.*.service unit, no configured runner dir with a .runner, no running Runner.Listener, no [github] runner_dirs)';

/** Runs `judge` per Actions runner; no runner gives the single skip finding. */
export async function forEachActionsRunner(
  ctx: CheckContext,
  judge: (r: ActionsRunner) => FindingDraft | FindingDraft[] | Promise<FindingDraft | FindingDraft[]>,
): Promise<FindingDraft[]> {
  const runners = await ctx.facts.get(githubFacts);
  if (runners.length === 0) return [verdict.skip('github-runner', NO_ACTIONS_RUNNER)];
  // A pass needs every file systemd applies to the runner's unit read and root's alone.
  return (await Promise.all(runners.map(async (r) => doubtPasses(await judge(r), r.unit)))).flat();
}

/** "unit /etc/systemd/system/x.service (+ drop-in)" or where the runner came from without one. */
export function unitEvidence(r: ActionsRunner): string {
  if (!r.unit) {
    const how = r.origin.kind === 'process' ? `its Runner.Listener runs as pid ${r.origin.pid}` : r.origin.kind === 'scan' ? 'found by its .runner file' : 'listed in [github] runner_dirs';
    return `no actions.runner.*.service unit for ${r.dir} (${how})`;
  }
  return `unit ${r.unit.path}${r.unit.dropIns.length ? ` (+ ${r.unit.dropIns.join(', ')})` : ''}`;
}

/**
 * Who the runner's jobs run as, as discovery decided it (agent/facts/github.ts,
 * the one place that does): the unit's User=, root when it has none;
 * without a unit, the uid of its running Runner.Listener, else the owner of
 * the dir and its .runner when they agree. `from` says which, for evidence.
 * Null when nothing tells.
 */
export function jobUserOf(r: ActionsRunner): { user: string; from: string } | null {
  if (r.unit) return r.user ? { user: r.user, from: r.userFrom ?? `User= of ${r.unit.path}` } : { user: 'root', from: `${r.unit.path} sets no User=` };
  return r.user && r.userFrom ? { user: r.user, from: r.userFrom } : null;
}

/** "mode 0600 owner gh:gh" */
export function modeOwner(st: FileStat, users: UserDb): string {
  return `mode ${st.mode.toString(8).padStart(4, '0')} owner ${users.userName(st.uid)}:${users.groupName(st.gid)}`;
}
