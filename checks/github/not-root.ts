import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import type { CheckContext, FindingDraft } from '../../agent/engine/types.js';
import type { ActionsRunner } from '../../agent/facts/github.js';
import { describeCode, isHostError, type UserDb } from '../../agent/host/index.js';
import { REF } from '../references.js';
import { forEachActionsRunner, modeOwner, unitEvidence } from './actions-runners.js';

function isRoot(name: string, users: UserDb): boolean {
  return name === 'root' || name === '0' || users.user(name)?.uid === 0;
}

/** The runner's own guard (config.sh, run.sh) lets root through only with RUNNER_ALLOW_RUNASROOT non-empty. */
function allowRoot(r: ActionsRunner): string | undefined {
  return r.env.get('RUNNER_ALLOW_RUNASROOT') || undefined;
}

function judgeUnit(r: ActionsRunner, users: UserDb, evidence: string[]): FindingDraft {
  const user = r.user;
  const allow = allowRoot(r);
  const alsoEnv = allow ? '; .env also sets RUNNER_ALLOW_RUNASROOT' : '';
  if (!user) return verdict.fail(r.subject, `the runner unit has no User=: the runner and every workflow step run as root${alsoEnv}`, evidence);
  if (isRoot(user, users)) {
    const uid0 = user === 'root' ? '' : ' (uid 0)';
    return verdict.fail(r.subject, `the runner service runs as ${user}${uid0}: every workflow step runs as root${alsoEnv}`, evidence);
  }
  if (allow) return verdict.fail(r.subject, `RUNNER_ALLOW_RUNASROOT is set in ${r.dir}/.env: the runner is set up to run as root (its unit runs it as ${user} today)`, evidence);
  if (r.envError) return verdict.error(r.subject, r.envError, evidence);
  return verdict.pass(r.subject, `runs as ${user} (uid ${users.user(user)?.uid ?? 'not in /etc/passwd'})`, evidence);
}

/**
 * A runner dir without a unit (the official runner image, a supervisor, a
 * container, a dir from [github] runner_dirs): its running Runner.Listener
 * tells who runs it; else the owner of the dir, which config.sh and the
 * runner write as the user who unpacked and configured it (a root-owned one
 * means it was configured, and so runs, as root). When the dir and its
 * .runner disagree, nothing says who starts it: not evaluated.
 */
async function judgeWithoutUnit(ctx: CheckContext, r: ActionsRunner, users: UserDb, evidence: string[]): Promise<FindingDraft> {
  if (allowRoot(r)) return verdict.fail(r.subject, `RUNNER_ALLOW_RUNASROOT is set in ${r.dir}/.env: the runner is allowed to run as root, and no unit sets another User=`, evidence);
  if (r.envError) return verdict.error(r.subject, r.envError, evidence);
  const file = `${r.dir}/.runner`;
  let st, dirSt;
  try {
    [st, dirSt] = await Promise.all([ctx.host.fs.stat(file), ctx.host.fs.lstat(r.dir)]);
  } catch (err) {
    return verdict.error(r.subject, `${file}: ${isHostError(err) ? describeCode(err.code) : String(err)}`, evidence);
  }
  if (!st && r.origin.kind !== 'process') return verdict.skip(r.subject, `${r.dir} has no unit and no .runner: the runner is not configured`);
  if (dirSt) evidence.push(`${r.dir}: ${modeOwner(dirSt, users)}`);
  if (st) evidence.push(`${file}: ${modeOwner(st, users)}`);
  if (r.userFrom) evidence.push(`runs as ${r.user}: ${r.userFrom}`);
  if (!r.user) {
    return verdict.error(
      r.subject,
      `cannot tell which user runs ${r.dir}: no unit names one, no Runner.Listener of it is running, and the dir and its .runner have different owners; install the service with ./svc.sh install USER so its User= can be checked`,
      evidence,
    );
  }
  if (isRoot(r.user, users)) {
    const why = r.origin.kind === 'process' ? `its Runner.Listener runs as root` : `${r.dir} is owned by root: the runner was configured as root, so it runs as root`;
    return verdict.fail(r.subject, `no unit sets User=, and ${why}`, evidence);
  }
  return verdict.pass(r.subject, `runs as ${r.user} (uid ${users.user(r.user)?.uid ?? 'not in /etc/passwd'}): ${r.userFrom}`, evidence);
}

export default defineCheck({
  meta: {
    id: 'RG-GHA-001',
    title: 'Actions runner does not run as root',
    severity: 'high',
    area: 'github',
    rationale:
      'A self-hosted Actions runner runs workflow steps directly on the host as its own user. As root, any workflow that reaches the runner (a pull request, a compromised action) owns the host and every other repository\'s checkout and secrets on it.',
    references: [REF.ghaSecurity, REF.lessonRootless, REF.guideChecklistProcess],
    reads: [
      'actions.runner.*.service units (+ drop-ins): User=',
      '<runner dir>/.env: RUNNER_ALLOW_RUNASROOT',
      'runner dirs without a unit: the uid of their running Runner.Listener (/proc, live), else the owner of the dir and its .runner',
      '/etc/passwd of the target',
    ],
    remediation: {
      summary: 'Install the service as a dedicated unprivileged user (./svc.sh install <user>, which sets User=) and remove RUNNER_ALLOW_RUNASROOT from the runner\'s .env.',
    },
  },
  async run(ctx) {
    const users = await ctx.host.users();
    return forEachActionsRunner(ctx, (r) => {
      const evidence = [unitEvidence(r)];
      if (r.unit) evidence.push(`User=${r.user ?? '(unset)'}`);
      const allow = allowRoot(r);
      if (allow) evidence.push(`${r.dir}/.env: RUNNER_ALLOW_RUNASROOT=${allow}`);
      return r.unit ? judgeUnit(r, users, evidence) : judgeWithoutUnit(ctx, r, users, evidence);
    });
  },
});
