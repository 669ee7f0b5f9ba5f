import { defineRemediation, TOML } from '../../agent/remediate/types.js';
import { setKey, tomlValue } from '../../agent/remediate/toml-edit.js';
import { planTomlEdits, runnerTable } from './toml-plan.js';

export default defineRemediation({
  meta: {
    id: 'RG-RUN-005',
    title: 'Set pull_policy = ["always"]',
    impact: 'every job pulls its image again: more registry traffic and slower job starts; jobs relying on locally built, never pushed images fail',
    restartsService: false,
    touches: [{ op: 'editFile', path: TOML }],
  },
  plan: (ctx, findings) =>
    planTomlEdits(ctx, findings, 'RG-RUN-005', 'pull_policy = ["always"] in [runners.docker]', (text, r) => setKey(text, runnerTable(r, 'docker'), 'pull_policy', tomlValue(['always']))),
});
