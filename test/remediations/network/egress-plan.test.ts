import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../../checks/index.js';
import { defaultConfig } from '../../../agent/config/schema.js';
import { SecretRegistry } from '../../../agent/engine/redact.js';
import { createFacts } from '../../../agent/facts/index.js';
import { createHost } from '../../../agent/host/index.js';
import { planRemediations } from '../../../agent/remediate/plan.js';
import type { PlanContext } from '../../../agent/remediate/types.js';
import { egressDefaultDeny, metadataBlocked } from '../../../remediations/network/egress.js';
import { gatherInputs } from '../../../remediations/network/egress-plan.js';
import { FixtureTree } from '../../helpers/fixture-tree.js';
import { treeHash } from '../../helpers/remediation-cases.js';
import { dockerRunner } from '../../checks/network/fixture.js';
import { actionsRunner } from '../../checks/github/fixture.js';

// Planning on fixture trees: what the planner reads from a host, and the offline refusal.
let t: FixtureTree;
let state: string;
afterEach(async () => {
  await t.remove();
  await fsp.rm(state, { recursive: true, force: true });
});

async function setup(): Promise<void> {
  t = await FixtureTree.create();
  state = await fsp.mkdtemp(path.join(os.tmpdir(), 'rg-state-'));
}

function ctx(root: string): PlanContext {
  const host = createHost({ root });
  const config = defaultConfig();
  config.report.url = 'https://collector.example:8443/v1/reports';
  config.egress.allow = ['registry.example.com:443'];
  const secrets = new SecretRegistry();
  return { host, facts: createFacts(host, config, secrets), config, options: {}, secrets, now: new Date(), stateDir: state };
}

describe('RG-NET-001/002 planning on fixture hosts', () => {
  it('an offline root is refused, with the reason, for both; the tree is unchanged', async () => {
    await setup();
    await dockerRunner(t);
    const before = await treeHash(t.root);
    const config = defaultConfig();
    config.agent.state_dir = state;
    const { planned } = await planRemediations({ host: createHost({ root: t.root }), config, checks: CATALOGUE, remediations: [egressDefaultDeny, metadataBlocked], stateDir: state });
    expect(planned.map((p) => [p.remediation.meta.id, p.findings.map((f) => `${f.subject} ${f.status}`), p.plans, p.refusals])).toEqual(
      ['RG-NET-001', 'RG-NET-002'].map((id) => [
        id,
        ['user:gitlab-runner fail', 'containers fail'],
        [],
        [
          {
            remediation: id,
            subject: 'table inet runnerguard',
            reason: `nftables tables live in the running kernel, so ${id} is applied on a live host only (not with --root ${t.root}); enable it in [remediations] enable so every scheduled run (after a boot too) loads the table again`,
          },
        ],
      ]),
    );
    expect(await treeHash(t.root)).toBe(before);
  });

  it('reads the runner accounts, bridges, GitLab and GitHub URLs, the collector and resolv.conf; a runner as root is refused', async () => {
    await setup();
    await dockerRunner(t);
    await actionsRunner(t, { user: '' }); // no User=: the Actions runner runs as root
    await t.file('/etc/resolv.conf', 'nameserver 10.0.0.2\nnameserver 2001:db8::53\n');
    const got = await gatherInputs(ctx(t.root));
    expect(got!.inputs).toEqual({
      users: [{ name: 'gitlab-runner', uid: 998 }],
      ifaces: ['br-*', 'docker0'],
      required: [
        { host: 'gitlab.example.com', port: 443, why: 'GitLab (runner:docker-1) gitlab.example.com', required: true },
        { host: 'github.com', port: 443, why: 'GitHub gitHubUrl (github-runner:/home/gh/actions-runner) github.com', required: true },
        { host: 'pipelines.actions.githubusercontent.com', port: 443, why: 'GitHub serverUrl (github-runner:/home/gh/actions-runner) pipelines.actions.githubusercontent.com', required: true },
        { host: 'collector.example', port: 8443, why: 'collector [report] url collector.example:8443', required: true },
      ],
      resolvers: ['10.0.0.2', '2001:db8::53'],
      allow: ['registry.example.com:443'],
    });
    expect(got!.refusals).toEqual([
      {
        subject: 'user:root',
        reason: 'the runner runs as root (actions.runner.acme-app.build-1.service: /etc/systemd/system/actions.runner.acme-app.build-1.service sets no User=): an owner match on uid 0 would filter all of root\'s traffic; run it as its own user',
      },
    ]);
  });

  it('no runner on the host: nothing to plan', async () => {
    await setup();
    expect(await gatherInputs(ctx(t.root))).toBeNull();
  });
});
