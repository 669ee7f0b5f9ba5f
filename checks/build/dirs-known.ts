import { verdict } from '../../agent/engine/define-check.js';
import type { CheckContext, FindingDraft } from '../../agent/engine/types.js';
import { githubFacts } from '../../agent/facts/github.js';
import { gitlabFacts } from '../../agent/facts/gitlab.js';

/**
 * A broken runner config hides where the builds dirs are: say so as an error
 * instead of passing over them.
 */
export async function unknownDirs(ctx: CheckContext): Promise<FindingDraft[]> {
  const [gitlab, github] = await Promise.all([ctx.facts.get(gitlabFacts), ctx.facts.get(githubFacts)]);
  const out: FindingDraft[] = [];
  if (gitlab && !gitlab.config.ok && !gitlab.config.missing) {
    out.push(verdict.error(gitlab.configPath, `builds dirs of the GitLab runners unknown: ${gitlab.config.error}`));
  }
  // A .runner that cannot be read hides its workFolder: the default _work is scanned, the real one may be elsewhere.
  for (const g of github) if (g.settingsError) out.push(verdict.error(g.subject, `work folder unknown (only ${g.dir}/_work was looked at): ${g.settingsError}`));
  return out;
}
