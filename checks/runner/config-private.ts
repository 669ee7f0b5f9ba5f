import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import { gitlabServicesFact, type GitlabFacts } from '../../agent/facts/gitlab.js';
import type { CheckContext, FindingDraft } from '../../agent/engine/types.js';
import { describeCode, isHostError } from '../../agent/host/index.js';
import { REF } from '../references.js';
import { NO_RUNNER } from './runners.js';

export default defineCheck({
  meta: {
    id: 'RG-RUN-002',
    title: 'Runner config is private',
    severity: 'high',
    area: 'runner',
    rationale:
      'config.toml holds the runner authentication tokens. Anyone who can read it can register a clone that steals jobs and their secrets; anyone who can write it can make every job privileged.',
    references: [REF.glCloning, REF.modelSecrets, REF.glAdvancedConfig],
    reads: ['the runner config.toml (mode and owner)', '/etc/passwd, /etc/group of the target'],
    remediation: {
      summary: 'chmod 0600 the config and chown it to root (or to the runner service user when the service runs as that user).',
      automated: 'RG-RUN-002',
    },
  },
  async run(ctx) {
    const services = await ctx.facts.get(gitlabServicesFact);
    if (services.length === 0) return [verdict.skip('gitlab-runner', NO_RUNNER)];
    return (await Promise.all(services.map((f) => judge(ctx, f)))).flat();
  },
});

/** One service's config.toml: mode and owner. */
async function judge(ctx: CheckContext, facts: GitlabFacts): Promise<FindingDraft[]> {
  const path = facts.configPath;
  let st;
  try {
    st = await ctx.host.fs.stat(path);
  } catch (err) {
    return [verdict.error(path, `${path}: ${isHostError(err) ? describeCode(err.code) : String(err)}`)];
  }
  if (!st) return [verdict.skip(path, `GitLab Runner is installed but has no config at ${path}`)];
  if (st.kind !== 'file') return [verdict.error(path, `${path}: is not a regular file (${st.kind})`)];
  const users = await ctx.host.users();
  const owner = users.userName(st.uid);
  const mode = st.mode.toString(8).padStart(4, '0');
  const evidence = [`mode ${mode}`, `owner ${owner}:${users.groupName(st.gid)}`];
  if (facts.config.ok) {
    for (const r of facts.config.runners) {
      if (r.tokenFingerprint) evidence.push(`${r.subject} token fingerprint ${r.tokenFingerprint}`);
    }
  }
  const problems: string[] = [];
  for (const [who, shift] of [['group', 3], ['others', 0]] as const) {
    const rights = [(st.mode >> shift) & 4 ? 'read' : '', (st.mode >> shift) & 2 ? 'write' : ''].filter(Boolean);
    if (rights.length) problems.push(`${who} can ${rights.join('/')}`);
  }
  const serviceUid = users.user(facts.serviceUser)?.uid;
  if (st.uid !== 0 && st.uid !== serviceUid) problems.push(`owned by ${owner}, not root or the service user ${facts.serviceUser}`);
  if (problems.length > 0) return [verdict.fail(path, `the runner config is exposed: ${problems.join('; ')}`, evidence)];
  return [verdict.pass(path, `mode ${mode}, owned by ${owner}`, evidence)];
}
