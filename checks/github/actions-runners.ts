import { verdict } from '../../agent/engine/define-check.js';
import type { CheckContext, FindingDraft } from '../../agent/engine/types.js';
import { githubFacts, type ActionsRunner } from '../../agent/facts/github.js';

export const NO_ACTIONS_RUNNER = 'no GitHub Actions self-hosted runner found (no actions.runner.*.service unit, no [github] runner_dirs)';

/** Runs `judge` per Actions runner; no runner gives the single skip finding. */
export async function forEachActionsRunner(ctx: CheckContext, judge: (r: ActionsRunner) => FindingDraft | FindingDraft[]): Promise<FindingDraft[]> {
  const runners = await ctx.facts.get(githubFacts);
  if (runners.length === 0) return [verdict.skip('github-runner', NO_ACTIONS_RUNNER)];
  return runners.flatMap((r) => judge(r));
}
