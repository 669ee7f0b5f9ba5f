import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import type { FindingDraft } from '../../agent/engine/types.js';
import { gitlabFacts } from '../../agent/facts/gitlab.js';
import { githubFacts } from '../../agent/facts/github.js';
import { REF } from '../references.js';
import { runnerUsers } from '../runner-users.js';
import { loadSudoers, SUDOERS } from './sudoers-files.js';
import { grantsFor, type Grant, type Principal } from './sudoers-match.js';

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** "any command" when some rule allows ALL, else the commands themselves. */
function whatItRuns(grants: Grant[]): string {
  const cmds = [...new Set(grants.flatMap((g) => g.commands))];
  if (cmds.includes('ALL')) return 'any command';
  const shown = cmds.slice(0, 3).join(', ');
  return cmds.length > 3 ? `${shown} and ${cmds.length - 3} more` : shown;
}

export default defineCheck({
  meta: {
    id: 'RG-HOST-001',
    title: 'Runner user has no sudo',
    severity: 'critical',
    area: 'host',
    rationale:
      'Jobs run as the runner user. Any sudo grant, even one "harmless" command, is usually a path to root for a malicious job, and from root to every project, secret and runner token on the host.',
    references: [REF.glSecureHost, REF.guideChecklistProcess, REF.lessonRootless],
    reads: [
      '/etc/sudoers and every @include/#include file and @includedir/#includedir directory it names (/etc/sudoers.d)',
      '/etc/passwd, /etc/group of the target (uid, primary and supplementary groups)',
      'gitlab-runner.service (User=, --user), actions.runner.*.service (User=), Jenkins agent units and processes, the jenkins account: the runner users',
    ],
    remediation: {
      summary:
        'Remove the sudoers rules that match the runner user, its groups (e.g. take it out of sudo/wheel) or ALL; jobs that need root belong in a container or on an ephemeral VM, not in sudo on the runner host.',
    },
  },
  async run(ctx) {
    const [found, users, gitlab, github] = await Promise.all([runnerUsers(ctx), ctx.host.users(), ctx.facts.get(gitlabFacts), ctx.facts.get(githubFacts)]);
    // A numeric User= is the same account as its name in sudoers.
    const runners = [...new Map(found.map((r) => [users.user(r.name)?.name ?? r.name, r])).entries()];
    if (runners.length === 0) {
      const why = gitlab || github.length > 0 ? 'every runner runs as root (RG-RUN-001 / RG-GHA-001 report that)' : 'no GitLab Runner, Actions runner or Jenkins agent on this host';
      return [verdict.skip('sudo', `no non-root runner user to check: ${why}`)];
    }
    const sudoers = await loadSudoers(ctx.host.fs, async () => (await ctx.host.identity()).hostname);
    const out: FindingDraft[] = [];
    for (const [name, r] of runners) {
      const subject = `user:${name}`;
      const u = users.user(name);
      const who: Principal = { name, uid: u?.uid, groups: users.groupsOf(name).map((g) => ({ name: g.name, gid: g.gid })) };
      const groups = who.groups.map((g) => g.name).join(', ') || 'none';
      const about = [`${name}: ${r.role}`, `uid ${who.uid ?? '(not in /etc/passwd)'}, groups: ${groups}`];
      const problems = sudoers.problems.map((p) => `not evaluated: ${p.message}`);
      const grants = grantsFor(sudoers.rules, sudoers.userAliases, who);
      if (grants.length > 0) {
        const evidence = grants.map((g) => `${g.rule.file}:${g.rule.line}: ${g.rule.text} (via ${g.via})`);
        out.push(verdict.fail(subject, `sudo lets ${name} run ${whatItRuns(grants)} (${plural(grants.length, 'rule')})`, [...evidence, ...about, ...problems]));
      } else if (sudoers.problems.length > 0) {
        // An unreadable or broken file may hold the grant: no pass on a partial reading.
        const first = sudoers.problems[0]!.message;
        const more = sudoers.problems.length > 1 ? ` (and ${plural(sudoers.problems.length - 1, 'more problem')})` : '';
        out.push(verdict.error(subject, `cannot tell whether sudo grants ${name} anything: ${first}${more}`, [...problems, ...about]));
      } else if (!sudoers.present) {
        out.push(verdict.pass(subject, `sudo is not configured on this host (no ${SUDOERS})`, about));
      } else {
        out.push(verdict.pass(subject, `no sudoers rule grants ${name} a command (by name, uid, its groups ${groups}, or ALL)`, [`read: ${sudoers.files.join(', ')}`, ...about]));
      }
    }
    return out;
  },
});
