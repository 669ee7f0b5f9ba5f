import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import { gitlabServicesFact, type GitlabFacts } from '../../agent/facts/gitlab.js';
import type { UserDb } from '../../agent/host/index.js';
import type { FindingDraft } from '../../agent/engine/types.js';
import { REF } from '../references.js';
import { doubtPass } from '../unit-doubt.js';
import { NO_RUNNER } from './runners.js';

export default defineCheck({
  meta: {
    id: 'RG-RUN-001',
    title: 'Runner runs jobs as a non-root user',
    severity: 'high',
    area: 'runner',
    rationale:
      'A job runs whatever a pushed branch says. When the runner (and so its shell jobs) runs as root, one malicious job owns the host, every other project\'s checkout, and the runner token.',
    references: [REF.lessonRootless, REF.glShellExecutor, REF.guideChecklistProcess],
    reads: ['gitlab-runner.service (+ drop-ins): User=, ExecStart --user', '/etc/init.d scripts running gitlab-runner (cmd= --user, who can write them)', '/etc/passwd of the target'],
    remediation: {
      summary:
        'Run the service as a dedicated user (User=gitlab-runner in a drop-in, config in ~gitlab-runner/.gitlab-runner), or at least pass --user gitlab-runner so jobs drop root.',
    },
  },
  async run(ctx) {
    const services = await ctx.facts.get(gitlabServicesFact);
    if (services.length === 0) return [verdict.skip('gitlab-runner', NO_RUNNER)];
    const users = await ctx.host.users();
    // A pass needs every file systemd applies to the unit read and root's alone.
    return services.map((f) => doubtPass(judge(f, users), f.unit));
  },
});

/** One runner service: who it and its shell/ssh jobs run as. */
function judge(facts: GitlabFacts, users: UserDb): FindingDraft {
  const subject = facts.primary ? `service:${facts.unit?.name ?? 'gitlab-runner'}` : `service:${facts.service}`;
  const isRoot = (name: string) => name === 'root' || name === '0' || users.user(name)?.uid === 0;
  const evidence = [
    facts.unit ? `unit ${facts.unit.path}${facts.unit.dropIns.length ? ` (+ ${facts.unit.dropIns.join(', ')})` : ''}` : facts.origin ? facts.origin : facts.service.startsWith('docker:') ? `no unit: a runner in Docker, config ${facts.configPath}` : 'no gitlab-runner.service unit',
    facts.unit && facts.serviceUser !== 'root' && !facts.unit.sections.get('Service')?.get('User') ? `systemd user unit of ${facts.serviceUser}` : `User=${facts.unit?.sections.get('Service')?.get('User')?.at(-1) ?? '(unset)'}`,
    `--user ${facts.userArg ?? '(none)'}`,
  ];
  if (facts.sourceWriter && isRoot(facts.serviceUser)) {
    // init runs the script as root: whoever can edit it runs anything as root at the next start.
    return verdict.fail(subject, `${facts.origin ?? 'what starts the runner'} runs as root but uid ${facts.sourceWriter.uid} can rewrite it (${facts.sourceWriter.why})`, evidence);
  }
  if (!isRoot(facts.serviceUser)) {
    return verdict.pass(subject, `the service and its jobs run as ${facts.serviceUser}`, evidence);
  }
  if (facts.userArg && !isRoot(facts.userArg)) {
    return verdict.warn(subject, `the runner service runs as root and drops to ${facts.userArg} for shell/ssh jobs; run the service itself as a dedicated user`, evidence);
  }
  const why = facts.userArg ? `--user ${facts.userArg} is root` : facts.unit ? 'no User= and no --user' : 'no unit sets User= or --user';
  return verdict.fail(subject, `jobs run as root (${why})`, evidence);
}
