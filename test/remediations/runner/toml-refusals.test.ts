import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../../checks/index.js';
import { createHost } from '../../../agent/host/index.js';
import { planRemediations } from '../../../agent/remediate/plan.js';
import dockerSocketMount from '../../../remediations/runner/docker-socket-mount.js';
import { runner, runnerHost } from '../../checks/runner/fixture.js';
import { caseConfig } from '../../helpers/remediation-cases.js';
import { FixtureTree } from '../../helpers/fixture-tree.js';

const trees: FixtureTree[] = [];
afterEach(async () => {
  await Promise.all(trees.splice(0).map((t) => t.remove()));
});

describe('a config.toml fix that cannot change a failing runner says so', () => {
  it('RG-RUN-004 on a kubernetes runner mounting the socket by host_path: refused, naming the runner, no silent no-op', async () => {
    const t = await FixtureTree.create();
    trees.push(t);
    await runnerHost(t, runner('k', 'kubernetes', '\t[runners.kubernetes]\n\t\t[[runners.kubernetes.volumes.host_path]]\n\t\t\tname = "docker"\n\t\t\tmount_path = "/var/run/docker.sock"\n\t\t\thost_path = "/var/run/docker.sock"\n'));
    const stateDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'rg-state-'));
    try {
      const config = await caseConfig(stateDir);
      const { planned } = await planRemediations({ host: createHost({ root: t.root }), config, checks: CATALOGUE, remediations: [dockerSocketMount], stateDir });
      expect(planned[0]!.findings.map((f) => f.subject)).toEqual(['runner:k']);
      expect(planned[0]!.plans).toEqual([]);
      expect(planned[0]!.refusals).toMatchObject([{ subject: 'runner:k', reason: expect.stringMatching(/does not change what this kubernetes runner's finding is about: fix it by hand/) }]);
    } finally {
      await fsp.rm(stateDir, { recursive: true, force: true });
    }
  });
});
