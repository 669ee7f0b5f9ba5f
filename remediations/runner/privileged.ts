import { defineRemediation, TOML } from '../../agent/remediate/types.js';
import { setKey } from '../../agent/remediate/toml-edit.js';
import { planTomlEdits, runnerTable } from './toml-plan.js';

export default defineRemediation({
  meta: {
    id: 'RG-RUN-003',
    title: 'Set privileged = false (and services_privileged) for the runner',
    impact: 'jobs that use Docker-in-Docker (docker:dind services) or need privileged containers will fail; move them to a dedicated, protected-only runner',
    restartsService: false,
    touches: [{ op: 'editFile', path: TOML }],
  },
  plan: (ctx, findings) =>
    // A warn (privileged only for an allow-list of images) is a judgement call left to the admin.
    planTomlEdits(ctx, findings.filter((f) => f.status === 'fail'), 'RG-RUN-003', 'privileged = false in the runner\'s executor table', (text, r) => {
      let out = text;
      for (const sub of ['docker', 'kubernetes']) {
        const t = sub === 'docker' ? r.docker : r.kubernetes;
        if (t.privileged === true) out = setKey(out, runnerTable(r, sub), 'privileged', 'false');
        if (t.services_privileged === true) out = setKey(out, runnerTable(r, sub), 'services_privileged', 'false');
      }
      return out;
    }),
});
