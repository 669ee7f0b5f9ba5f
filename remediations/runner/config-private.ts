import { gitlabServicesFact, type GitlabFacts } from '../../agent/facts/gitlab.js';
import { defineRemediation, type Plan, type PlanContext, type Refusal, type Step, TOML } from '../../agent/remediate/types.js';

export default defineRemediation({
  meta: {
    id: 'RG-RUN-002',
    title: 'chmod 0600 the runner config, owned by root (or the runner service user)',
    impact: 'tools that read config.toml as another user (a monitoring script, a group member) lose access',
    restartsService: false,
    touches: [{ op: 'chown', path: TOML }, { op: 'chmod', path: TOML }],
  },
  async plan(ctx) {
    const out = [];
    // Every runner service's config.toml (a second service's too).
    for (const gitlab of await ctx.facts.get(gitlabServicesFact)) out.push(...(await planOne(ctx, gitlab)));
    return out;
  },
});

async function planOne(ctx: PlanContext, gitlab: GitlabFacts): Promise<Array<Plan | Refusal>> {
  const path = gitlab.configPath;
  // lstat: a config.toml that is a link (a job's, in a user-mode runner's home) is never followed to its target.
  const st = await ctx.host.fs.lstat(path);
  if (!st) return [];
  if (st.kind !== 'file') return [{ remediation: 'RG-RUN-002', subject: path, reason: `${path} is not a regular file (${st.kind}): left alone` }];
  const users = await ctx.host.users();
  // The service reads (and rewrites) its config: it must stay owner when it runs as a user.
  const service = gitlab.serviceUser === 'root' ? undefined : users.user(gitlab.serviceUser);
  const uid = service?.uid ?? 0;
  const gid = service?.gid ?? 0;
  const steps: Step[] = [];
  if (st.uid !== uid || st.gid !== gid) steps.push({ op: 'chown', path, uid, gid });
  if (st.mode !== 0o600) steps.push({ op: 'chmod', path, mode: 0o600 });
  return steps.length ? [{ remediation: 'RG-RUN-002', subject: path, summary: `mode 0600, owner ${service?.name ?? 'root'}`, steps }] : [];
}
