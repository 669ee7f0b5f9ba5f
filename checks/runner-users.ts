import type { CheckContext } from '../agent/engine/types.js';
import { gitlabFacts } from '../agent/facts/gitlab.js';
import { githubFacts } from '../agent/facts/github.js';

export interface RunnerUser {
  name: string;
  /** Why it counts as a runner user (for evidence). */
  role: string;
  /** Its jobs run directly on the host (GitLab shell executor, Actions runner). */
  hostJobs: boolean;
}

/** The non-root accounts that run CI jobs or the runner service on this host. */
export async function runnerUsers(ctx: CheckContext): Promise<RunnerUser[]> {
  const [gitlab, github, users] = await Promise.all([ctx.facts.get(gitlabFacts), ctx.facts.get(githubFacts), ctx.host.users()]);
  const out = new Map<string, RunnerUser>();
  const add = (name: string | undefined, role: string, hostJobs: boolean) => {
    if (!name || name === 'root' || users.user(name)?.uid === 0) return;
    const prev = out.get(name);
    out.set(name, { name, role: prev ? `${prev.role}, ${role}` : role, hostJobs: hostJobs || (prev?.hostJobs ?? false) });
  };
  if (gitlab) {
    const shell = gitlab.config.ok && gitlab.config.runners.some((r) => r.executor === 'shell');
    add(gitlab.jobUser, 'GitLab Runner job user', shell);
    add(gitlab.serviceUser, 'GitLab Runner service user', shell);
  }
  for (const g of github) add(g.user, `Actions runner ${g.dir}`, true);
  return [...out.values()];
}
