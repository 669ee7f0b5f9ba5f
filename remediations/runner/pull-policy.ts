import { defineRemediation, TOML } from '../../agent/remediate/types.js';
import { setKey, tomlValue } from '../../agent/remediate/toml-edit.js';
import { containerTable } from '../../checks/runner/executors.js';
import { strList } from '../../checks/runner/runners.js';
import { planTomlEdits, runnerTable } from './toml-plan.js';

const IF_NOT_PRESENT = 'if-not-present';
const norm = (p: string) => p.trim().toLowerCase();

export default defineRemediation({
  meta: {
    id: 'RG-RUN-005',
    title: 'Set pull_policy = ["always"] and keep if-not-present out of allowed_pull_policies',
    impact: 'every job pulls its image again: more registry traffic and slower job starts; jobs relying on locally built, never pushed images, or asking for if-not-present in .gitlab-ci.yml, fail',
    restartsService: false,
    touches: [{ op: 'editFile', path: TOML }],
  },
  plan: (ctx, findings) =>
    planTomlEdits(ctx, findings, 'RG-RUN-005', 'pull_policy = ["always"] in the executor\'s own table, if-not-present out of allowed_pull_policies', (text, r) => {
      // The executor's own table: the kubernetes executor never reads [runners.docker].
      const table = containerTable(r);
      if (!table) return text;
      const t = table === 'docker' ? r.docker : r.kubernetes;
      const at = runnerTable(r, table);
      let out = text;
      const policies = strList(t.pull_policy).map(norm);
      if (policies.includes(IF_NOT_PRESENT) || (table === 'kubernetes' && policies.length === 0)) out = setKey(out, at, 'pull_policy', tomlValue(['always']));
      const allowed = strList(t.allowed_pull_policies);
      if (allowed.map(norm).includes(IF_NOT_PRESENT)) {
        // A job may pick any allowed policy; the runner's own pull_policy must stay allowed, or every job fails.
        const kept = allowed.filter((p) => norm(p) !== IF_NOT_PRESENT);
        if (!kept.map(norm).includes('always')) kept.push('always');
        out = setKey(out, at, 'allowed_pull_policies', tomlValue(kept));
      }
      return out;
    }),
});
