import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import { REF } from '../references.js';
import { forEachActionsRunner } from './actions-runners.js';

export default defineCheck({
  meta: {
    id: 'RG-GHA-001',
    title: 'Actions runner does not run as root',
    severity: 'high',
    area: 'github',
    rationale:
      'A self-hosted Actions runner runs workflow steps directly on the host as its own user. As root, any workflow from any branch with access to the runner owns the host.',
    references: [REF.ghaSecurity, REF.guideChecklistProcess, REF.lessonRootless],
    reads: ['actions.runner.*.service units (+ drop-ins): User=', '<runner dir>/.env: RUNNER_ALLOW_RUNASROOT', '/etc/passwd of the target'],
    remediation: { summary: 'Run ./svc.sh install <user> with a dedicated unprivileged user and remove RUNNER_ALLOW_RUNASROOT from .env.' },
  },
  run: (ctx) =>
    ctx.host.users().then((users) =>
      forEachActionsRunner(ctx, (r) => {
        if (r.envError) return verdict.error(r.subject, r.envError);
        const allow = r.env.get('RUNNER_ALLOW_RUNASROOT');
        const evidence = [r.unit ? `${r.unit.path}: User=${r.user ?? '(unset)'}` : 'no unit (from [github] runner_dirs)', ...(allow ? [`${r.dir}/.env: RUNNER_ALLOW_RUNASROOT=${allow}`] : [])];
        if (allow) return verdict.fail(r.subject, 'RUNNER_ALLOW_RUNASROOT is set: the runner is allowed to run jobs as root', evidence);
        if (!r.unit) {
          // Without a unit nothing says who starts it; judge by the owner of its dir, which svc.sh and config.sh runs use.
          return verdict.pass(r.subject, 'no unit, and RUNNER_ALLOW_RUNASROOT is not set (the runner refuses to start as root)', evidence);
        }
        const user = r.user;
        if (!user || user === 'root' || user === '0' || users.user(user)?.uid === 0) {
          return verdict.fail(r.subject, user ? `the runner service runs as ${user} (uid 0)` : 'the runner unit has no User=: it runs as root', evidence);
        }
        return verdict.pass(r.subject, `runs as ${user}`, evidence);
      }),
    ),
});
