import { verdict } from '../../agent/engine/define-check.js';
import type { CheckContext, FindingDraft } from '../../agent/engine/types.js';
import { gitlabFacts } from '../../agent/facts/gitlab.js';

/**
 * A broken runner config hides where the builds dirs are: say so as an error
 * instead of passing over them.
 */
export async function unknownDirs(ctx: CheckContext): Promise<FindingDraft[]> {
  const gitlab = await ctx.facts.get(gitlabFacts);
  if (gitlab && !gitlab.config.ok && !gitlab.config.missing) {
    return [verdict.error(gitlab.configPath, `builds dirs of the GitLab runners unknown: ${gitlab.config.error}`)];
  }
  return [];
}
