import type { CheckContext, FindingDraft } from '../../agent/engine/types.js';
import { verdict } from '../../agent/engine/define-check.js';
import { gitlabServicesFact, type GitlabFacts, type RunnerEntry } from '../../agent/facts/gitlab.js';
import { doubtPasses } from '../unit-doubt.js';
import { containerTable, noContainersReason, type ContainerTable } from './executors.js';

export const NO_RUNNER = 'no GitLab Runner found (no gitlab-runner unit, binary or config)';

/**
 * Runs `judge` for each [[runners]] entry. No runner, a broken config, or an
 * empty one become the single skip/error finding, so every runner check
 * handles them the same way.
 */
export async function forEachRunner(
  ctx: CheckContext,
  judge: (runner: RunnerEntry, facts: GitlabFacts) => FindingDraft | FindingDraft[],
): Promise<FindingDraft[]> {
  const services = await ctx.facts.get(gitlabServicesFact);
  if (services.length === 0) return [verdict.skip('gitlab-runner', NO_RUNNER)];
  // Every service's config: a second runner service (install --service NAME --config OTHER.toml) is audited too.
  return services.flatMap((facts) => {
    const cfg = facts.config;
    if (!cfg.ok) {
      if (cfg.missing) return [verdict.skip(facts.configPath, `GitLab Runner is installed but has no config at ${facts.configPath}`)];
      return [verdict.error(facts.configPath, cfg.error)];
    }
    if (cfg.runners.length === 0) return [verdict.skip(facts.configPath, `no [[runners]] registered in ${facts.configPath}`)];
    // A pass needs every file systemd applies to the service's unit read and root's alone.
    return cfg.runners.flatMap((r) => doubtPasses(judge(r, facts), facts.unit));
  });
}

/**
 * forEachRunner for the checks of job containers: a runner whose executor
 * runs none (shell, ssh, ...) is one skip saying so and what there is then
 * `nothing` to judge; the others are judged with their container table.
 */
export function forEachContainerRunner(
  ctx: CheckContext,
  nothing: string,
  judge: (runner: RunnerEntry, table: ContainerTable, facts: GitlabFacts) => FindingDraft | FindingDraft[],
): Promise<FindingDraft[]> {
  return forEachRunner(ctx, (r, facts) => {
    const table = containerTable(r);
    return table ? judge(r, table, facts) : verdict.skip(r.subject, `${noContainersReason(r)}: ${nothing}`);
  });
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function strList(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** docker+machine with MaxBuilds = 1 (or the autoscaler's max_use_count = 1): one job per VM. */
export function isEphemeral(r: RunnerEntry): boolean {
  if (r.executor === 'docker+machine' && r.machine.MaxBuilds === 1) return true;
  if ((r.executor === 'docker-autoscaler' || r.executor === 'instance') && r.autoscaler.max_use_count === 1) return true;
  return false;
}
