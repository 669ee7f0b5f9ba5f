import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import type { FindingDraft } from '../../agent/engine/types.js';
import { gitlabFacts } from '../../agent/facts/gitlab.js';
import { cisDocker, REF } from '../references.js';
import { runnerUsers } from '../runner-users.js';

export default defineCheck({
  meta: {
    id: 'RG-DOCKER-001',
    title: 'Docker group membership',
    severity: 'high',
    area: 'docker',
    rationale:
      'Membership of the docker group is root on the host: `docker run -v /:/host` needs nothing more. When the runner user is in it and jobs run on the host (shell executor, Actions runner), every job is root-equivalent.',
    references: [REF.glDockerInstalled, REF.lessonSocket, cisDocker('1.2.2', 'Ensure only trusted users are allowed to control Docker daemon')],
    reads: ['/etc/group and /etc/passwd of the target (group docker, exact name; primary and supplementary members)', 'runner units and config (runner users, shell executors)'],
    remediation: { summary: 'Remove the runner user (and other non-admin users) from the docker group; use the docker executor (the runner talks to Docker as root) or rootless Docker.', automated: 'RG-DOCKER-001' },
  },
  async run(ctx) {
    const users = await ctx.host.users();
    const group = users.group('docker');
    if (!group) return [verdict.skip('group:docker', 'no docker group on this host')];
    // Supplementary members from /etc/group, and users whose primary gid is docker's (/etc/passwd).
    const members = new Set(group.members);
    const primary = new Set(users.users.filter((u) => u.gid === group.gid).map((u) => u.name));
    for (const name of primary) members.add(name);
    const [runners, gitlab] = await Promise.all([runnerUsers(ctx), ctx.facts.get(gitlabFacts)]);
    const byName = new Map(runners.map((r) => [r.name, r]));
    // A broken config.toml hides whether a shell executor runs the GitLab runner user's jobs.
    const gitlabUsers = new Set(gitlab ? [gitlab.jobUser, gitlab.serviceUser] : []);
    const configError = gitlab && !gitlab.config.ok && !gitlab.config.missing ? gitlab.config.error : undefined;
    const out: FindingDraft[] = [];
    for (const name of [...members].sort()) {
      if (name === 'root' || users.user(name)?.uid === 0) continue;
      const r = byName.get(name);
      const evidence = [
        group.members.includes(name) ? `/etc/group: docker:x:${group.gid}:${group.members.join(',')}` : `/etc/passwd: ${name} has primary gid ${group.gid} (docker)`,
        ...(r ? [`${name}: ${r.role}`] : []),
      ];
      if (r?.hostJobs) out.push(verdict.fail(`user:${name}`, `${name} runs CI jobs on the host and is in group docker: every job is root-equivalent`, evidence));
      else if (configError && gitlabUsers.has(name)) out.push(verdict.error(`user:${name}`, `${name} is in group docker, but whether a shell executor runs its jobs is unknown: ${configError}`, evidence));
      else out.push(verdict.warn(`user:${name}`, `${name} is in group docker (root-equivalent)${r ? ` and is a ${r.role}` : ''}; keep the group to administrators`, evidence));
    }
    if (out.length === 0) return [verdict.pass('group:docker', 'no non-root user is in group docker')];
    return out;
  },
});
