import type { CheckContext } from '../agent/engine/types.js';
import { gitlabServicesFact } from '../agent/facts/gitlab.js';
import { githubFacts } from '../agent/facts/github.js';
import { jenkinsAgentsFact } from '../agent/facts/jenkins.js';

export interface RunnerUser {
  name: string;
  /** Why it counts as a runner user (for evidence). */
  role: string;
  /** Its jobs run directly on the host (GitLab shell executor, Actions runner). */
  hostJobs: boolean;
}

/** The non-root accounts that run CI jobs or the runner service on this host. */
export async function runnerUsers(ctx: CheckContext): Promise<RunnerUser[]> {
  const [gitlabServices, github, jenkins, users] = await Promise.all([ctx.facts.get(gitlabServicesFact), ctx.facts.get(githubFacts), ctx.facts.get(jenkinsAgentsFact), ctx.host.users()]);
  const out = new Map<string, RunnerUser>();
  const add = (name: string | undefined, role: string, hostJobs: boolean) => {
    if (!name || name === 'root' || users.user(name)?.uid === 0) return;
    const prev = out.get(name);
    out.set(name, { name, role: prev ? `${prev.role}, ${role}` : role, hostJobs: hostJobs || (prev?.hostJobs ?? false) });
  };
  for (const gitlab of gitlabServices) {
    const shell = gitlab.config.ok && gitlab.config.runners.some((r) => r.executor === 'shell');
    const of = gitlab.primary ? '' : ` (${gitlab.service})`;
    add(gitlab.jobUser, `GitLab Runner job user${of}`, shell);
    add(gitlab.serviceUser, `GitLab Runner service user${of}`, shell);
  }
  for (const g of github) add(g.user, `Actions runner ${g.dir}`, true);
  // A Jenkins agent runs build steps on the host as its own user; the jenkins
  // account (the packages' and the docs' agent user, and the controller's,
  // whose built-in node builds too) is one even when no agent is seen running.
  for (const a of jenkins) add(a.user, `Jenkins agent ${a.subject.slice('jenkins-agent:'.length)}`, true);
  if (users.user('jenkins')) add('jenkins', 'Jenkins user', true);
  return [...out.values()];
}
