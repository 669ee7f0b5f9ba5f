import { defineRemediation, TOML } from '../../agent/remediate/types.js';
import { setKey } from '../../agent/remediate/toml-edit.js';
import { planTomlEdits, runnerTable } from './toml-plan.js';
import { K8S_CONTEXTS, tableOf } from '../../checks/runner/capabilities.js';
import { containerTable } from '../../checks/runner/executors.js';

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
      // Each executor's own table: [runners.kubernetes] has no services_privileged, its containers' security contexts may say privileged.
      if (containerTable(r) === 'docker') {
        if (r.docker.privileged === true) out = setKey(out, runnerTable(r, 'docker'), 'privileged', 'false');
        if (r.docker.services_privileged === true) out = setKey(out, runnerTable(r, 'docker'), 'services_privileged', 'false');
      } else if (containerTable(r) === 'kubernetes') {
        if (r.kubernetes.privileged === true) out = setKey(out, runnerTable(r, 'kubernetes'), 'privileged', 'false');
        for (const [key] of K8S_CONTEXTS) {
          if (tableOf(r.kubernetes[key]).privileged === true) out = setKey(out, [...runnerTable(r, 'kubernetes'), key], 'privileged', 'false');
        }
      }
      return out;
    }),
});
