import { expect } from 'vitest';
import configPrivate from '../../../remediations/runner/config-private.js';
import { defineRemediationCases } from '../../helpers/remediation-cases.js';
import { CONFIG_PATH, runner, runnerHost } from '../../checks/runner/fixture.js';

export default defineRemediationCases({
  remediation: configPrivate,
  cases: [
    {
      name: 'a world-readable config owned by a user: chmod 0600, chown root',
      build: async (t) => {
        await runnerHost(t, runner('docker-1', 'docker'));
        await t.useradd('alice', { uid: 1000 });
        await t.file(CONFIG_PATH, (await import('node:fs')).readFileSync(t.p(CONFIG_PATH)), { mode: 0o644, uid: 1000, gid: 1000 });
      },
      plan: (p) => {
        expect(p.plans[0]!.steps).toEqual([
          { op: 'chown', path: CONFIG_PATH, uid: 0, gid: 0 },
          { op: 'chmod', path: CONFIG_PATH, mode: 0o600 },
        ]);
      },
    },
  ],
});
