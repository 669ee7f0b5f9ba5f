import { defineRemediation, TOML } from '../../agent/remediate/types.js';
import { removeArrayItems } from '../../agent/remediate/toml-edit.js';
import { planTomlEdits, runnerTable } from './toml-plan.js';

/** A volumes entry that mounts the Docker socket (either path, any mode). */
export const isSocketVolume = (v: unknown): boolean => typeof v === 'string' && /^\/(var\/)?run\/docker\.sock(:|$)/.test(v);

export default defineRemediation({
  meta: {
    id: 'RG-RUN-004',
    title: 'Drop the docker-socket entries from volumes',
    impact: 'jobs that run `docker build`/`docker run` against the host daemon will fail; give them rootless BuildKit, kaniko or a dedicated runner',
    restartsService: false,
    touches: [{ op: 'editFile', path: TOML }],
  },
  plan: (ctx, findings) =>
    planTomlEdits(ctx, findings, 'RG-RUN-004', 'remove /var/run/docker.sock from [runners.docker] volumes', (text, r) =>
      removeArrayItems(text, runnerTable(r, 'docker'), 'volumes', isSocketVolume),
    ),
});
