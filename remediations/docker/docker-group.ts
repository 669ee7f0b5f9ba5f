import { gitlabFacts } from '../../agent/facts/gitlab.js';
import { defineRemediation, type Plan, type Refusal } from '../../agent/remediate/types.js';
import { runnerUsers } from '../../checks/runner-users.js';

const ID = 'RG-DOCKER-001';

export default defineRemediation({
  meta: {
    id: ID,
    title: 'Remove the runner user(s) from group docker',
    impact:
      'jobs that run on the host (GitLab shell executor, Actions runner) and call docker fail with "permission denied" on the Docker socket; move them to the docker executor or rootless Docker. A process already running keeps the group: an Actions runner service (its jobs inherit its groups) loses it only when restarted',
    restartsService: false,
    touches: [{ op: 'groupRemove' }],
  },
  async plan(ctx, findings) {
    const users = await ctx.host.users();
    const group = users.group('docker');
    if (!group) return [];
    const [runners, gitlab] = await Promise.all([runnerUsers(ctx), ctx.facts.get(gitlabFacts)]);
    const out: Array<Plan | Refusal> = [];
    for (const f of findings) {
      if (!f.subject.startsWith('user:')) continue;
      const name = f.subject.slice('user:'.length);
      const refuse = (reason: string) => out.push({ remediation: ID, subject: f.subject, reason });
      const runner = runners.find((r) => r.name === name);
      if (!runner) {
        refuse(`${name} is not a runner user: whether an administrator keeps Docker (root) access is yours to decide (gpasswd --delete ${name} docker)`);
        continue;
      }
      if (users.user(name)?.gid === group.gid) {
        // gpasswd edits supplementary members only; the primary gid lives in /etc/passwd.
        refuse(`docker is ${name}'s primary group (/etc/passwd): gpasswd cannot remove that; give ${name} a group of its own (usermod -g) by hand`);
        continue;
      }
      const dockerExecutor = gitlab?.config.ok && gitlab.config.runners.some((r) => r.executor.startsWith('docker'));
      if (gitlab && name === gitlab.serviceUser && dockerExecutor) {
        refuse(`${name} runs the GitLab Runner service, whose docker executor reaches Docker through the socket as ${name}: without the group every job fails; run the service as root (the packaged default) or use rootless Docker`);
        continue;
      }
      out.push({ remediation: ID, subject: f.subject, summary: `remove ${name} (${runner.role}) from group docker`, steps: [{ op: 'groupRemove', user: name, group: 'docker' }] });
    }
    return out;
  },
});
