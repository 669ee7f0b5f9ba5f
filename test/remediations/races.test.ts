import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../checks/index.js';
import { createHost } from '../../agent/host/index.js';
import { applyPlans } from '../../agent/remediate/apply.js';
import { planRemediations } from '../../agent/remediate/plan.js';
import { REMEDIATIONS } from '../../remediations/index.js';
import { caseConfig } from '../helpers/remediation-cases.js';
import { ageTree, FixtureTree, gitlabRunnerUnit, jobCheckout } from '../helpers/fixture-tree.js';
import { giveToJob, JOB_UID, listingExcept, startRacer } from '../helpers/attack.js';
import { key } from '../checks/ssh/fixture.js';

// A job (a real uid-999 process) swaps a directory or a file with a link to
// root's things, with renameat2(RENAME_EXCHANGE) in a tight loop, while
// `fix --apply` runs. Before the safe-path layer it won 2 of 30 (a root tree
// deleted) and 8 of 30 (/etc/shadow quarantined). Each attack runs ROUNDS
// rounds; none may change anything outside the job's home.

const ROUNDS = 50;
const HOME = '/home/gitlab-runner';
const PARENT = `${HOME}/builds/t0/0/g`;
const APP = `${PARENT}/app`;

let t: FixtureTree;
beforeAll(async () => {
  t = await FixtureTree.create('rg-race-');
  await t.dir('/home', { mode: 0o755 });
  await t.dir('/root', { mode: 0o700 });
  await t.dir('/tmp', { mode: 0o1777 });
  await t.useradd('gitlab-runner', { uid: JOB_UID });
  await t.file('/usr/bin/gitlab-runner', '#!/bin/sh\n', { mode: 0o755 });
  await t.unit('gitlab-runner.service', gitlabRunnerUnit({ config: '/etc/gitlab-runner/config.toml', userArg: 'gitlab-runner' }));
  await t.file('/etc/gitlab-runner/config.toml', 'concurrent = 1\n\n[[runners]]\n  name = "shell-1"\n  executor = "shell"\n', { mode: 0o600 });
  // Root's tree the job wants deleted: it looks like an old checkout, named like the job's.
  await jobCheckout(t, '/srv/app', { bytes: 4000 });
  await ageTree(t, '/srv/app', 96);
  await t.file('/etc/shadow', 'root:$6$secret:19000:0:99999:7:::\n', { mode: 0o640 });
});
afterAll(async () => {
  await t.remove();
});


interface Attack {
  name: string;
  remediation: string;
  /** Builds the job's side afresh; returns the two host paths the racer exchanges. */
  setup(): Promise<[string, string]>;
}

const ATTACKS: Attack[] = [
  {
    name: 'an old job dir exchanged with a link to root\'s tree (/srv/app)',
    remediation: 'RG-BUILD-001',
    async setup() {
      await jobCheckout(t, APP, { bytes: 1000 });
      await ageTree(t, APP, 72);
      await t.symlink(`${APP}.swap`, t.p('/srv/app'));
      await giveToJob(t.p(`${HOME}/builds`));
      return [t.p(APP), t.p(`${APP}.swap`)];
    },
  },
  {
    name: 'the job dir\'s parent exchanged with a link to /srv (which holds root\'s app)',
    remediation: 'RG-BUILD-001',
    async setup() {
      await jobCheckout(t, APP, { bytes: 1000 });
      await ageTree(t, APP, 72);
      await t.symlink(`${PARENT}.swap`, t.p('/srv'));
      await giveToJob(t.p(`${HOME}/builds`));
      return [t.p(PARENT), t.p(`${PARENT}.swap`)];
    },
  },
  {
    name: 'a stray key named shadow whose dir is exchanged with a link to /etc',
    remediation: 'RG-SSH-001',
    async setup() {
      await t.file(`${APP}/shadow`, key('rsa-pem'), { mode: 0o600 });
      await t.symlink(`${APP}.swap`, t.p('/etc'));
      await giveToJob(t.p(`${HOME}/builds`));
      return [t.p(APP), t.p(`${APP}.swap`)];
    },
  },
  {
    name: 'a stray key exchanged with a link to /etc/shadow',
    remediation: 'RG-SSH-001',
    async setup() {
      await t.file(`${APP}/id_rsa`, key('rsa-pem'), { mode: 0o600 });
      await t.symlink(`${APP}/id_rsa.swap`, t.p('/etc/shadow'));
      await giveToJob(t.p(`${HOME}/builds`));
      return [t.p(`${APP}/id_rsa`), t.p(`${APP}/id_rsa.swap`)];
    },
  },
];

describe(`a job racing fix --apply with renameat2(RENAME_EXCHANGE) never wins (${ROUNDS} rounds each)`, () => {
  for (const a of ATTACKS) {
    it(a.name, async () => {
      const before = await listingExcept(t.root, [HOME]);
      const outcomes: Record<string, number> = {};
      let swaps = 0;
      for (let round = 0; round < ROUNDS; round++) {
        await fsp.rm(t.p(`${HOME}/builds`), { recursive: true, force: true });
        const [x, y] = await a.setup();
        const state = await fsp.mkdtemp(path.join(os.tmpdir(), 'rg-race-state-'));
        try {
          const host = createHost({ root: t.root });
          const config = await caseConfig(state);
          // Planned while the job keeps still; it races the apply, where the old code followed its links.
          const { planned } = await planRemediations({ host, config, checks: CATALOGUE, remediations: REMEDIATIONS.filter((r) => r.meta.id === a.remediation), stateDir: state });
          const plans = planned.flatMap((p) => p.plans);
          expect(plans.length, `round ${round}: a plan to race`).toBeGreaterThan(0);
          const racer = await startRacer(x, y);
          let result;
          try {
            result = await applyPlans(host, plans, state);
          } finally {
            swaps += await racer.stop();
          }
          for (const s of result.steps) outcomes[s.state] = (outcomes[s.state] ?? 0) + 1;
          // Losing the race is a skipped step ("changed since the plan", "a symlink ... not followed"), never a failed run.
          expect(result.status, `round ${round}: ${result.error}`).toBe('applied');
          expect(await listingExcept(t.root, [HOME]), `round ${round}: root's files unchanged (${JSON.stringify(result.steps.map((s) => [s.state, s.note]))})`).toEqual(before);
        } finally {
          await fsp.rm(state, { recursive: true, force: true });
        }
      }
      // The racer really raced: it swapped throughout, and some rounds it made the step skip.
      expect(swaps).toBeGreaterThan(ROUNDS);
      expect(outcomes.skipped ?? 0, JSON.stringify(outcomes)).toBeGreaterThan(0);
      console.log(`${a.name}: ${swaps} swaps, steps ${JSON.stringify(outcomes)}`);
    }, 300_000);
  }
});
