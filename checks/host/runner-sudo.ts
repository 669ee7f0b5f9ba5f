import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import type { FindingDraft } from '../../agent/engine/types.js';
import { REF } from '../references.js';
import { runnerUsers } from '../runner-users.js';
import { loadSudoers, userListMatches } from './sudoers.js';

export default defineCheck({
  meta: {
    id: 'RG-HOST-001',
    title: 'Runner user has no sudo',
    severity: 'critical',
    area: 'host',
    rationale:
      'Jobs run as the runner user. Any sudo grant, even one "harmless" command, is usually a path to root for a malicious job, and then to every project and secret on the host.',
    references: [REF.glSecureHost, REF.glDockerExecutor, REF.guideChecklistProcess, REF.lessonRootless],
    reads: ['/etc/sudoers, /etc/sudoers.d/* and every @include/@includedir/#include/#includedir', '/etc/passwd, /etc/group of the target'],
    remediation: { summary: 'Remove the sudo rules that match the runner user or its groups; jobs that need root belong in containers, not on the host.' },
  },
  async run(ctx) {
    const runners = await runnerUsers(ctx);
    if (runners.length === 0) return [verdict.skip('sudo', 'no non-root runner user on this host (no runner, or it runs as root: see RG-RUN-001 / RG-GHA-001)')];
    const sudoers = await loadSudoers(ctx.host.fs);
    if (!sudoers) return runners.map((r) => verdict.pass(`user:${r.name}`, 'sudo is not installed (no /etc/sudoers)'));
    const users = await ctx.host.users();
    const out: FindingDraft[] = sudoers.errors.map((e) => verdict.error(e.slice(0, e.indexOf(':')), e));
    for (const r of runners) {
      const u = users.user(r.name);
      const who = { name: r.name, uid: u?.uid, groups: users.groupsOf(r.name).map((g) => ({ name: g.name, gid: g.gid })) };
      const grants = sudoers.rules.filter((rule) => userListMatches(rule.users, who, sudoers.userAliases));
      if (grants.length) {
        out.push(verdict.fail(`user:${r.name}`, `the ${r.role} can run commands as another user through sudo (${grants.length} rule${grants.length > 1 ? 's' : ''})`, grants.map((g) => `${g.file}:${g.line}: ${g.text}`)));
      } else {
        out.push(verdict.pass(`user:${r.name}`, `no sudo rule matches ${r.name} or its groups (${who.groups.map((g) => g.name).join(', ') || 'none'})`, [`read: ${sudoers.files.join(', ')}`]));
      }
    }
    return out;
  },
});
