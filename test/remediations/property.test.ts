import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../checks/index.js';
import { REMEDIATIONS } from '../../remediations/index.js';
import { createHost } from '../../agent/host/index.js';
import { applyPlans } from '../../agent/remediate/apply.js';
import { planRemediations } from '../../agent/remediate/plan.js';
import { rollbackRun } from '../../agent/remediate/rollback.js';
import { CONFIG_PATH, runner, runnerHost } from '../checks/runner/fixture.js';
import { FixtureTree } from '../helpers/fixture-tree.js';
import { caseConfig, treeHash } from '../helpers/remediation-cases.js';

/** mulberry32: a seeded generator, so a failing round can be replayed from its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: () => number, xs: T[]): T => xs[Math.floor(r() * xs.length)]!;

/** A random runner host: 1-4 runners with random risky settings, comments and layouts, random config mode. */
async function randomHost(t: FixtureTree, r: () => number): Promise<void> {
  const entries: string[] = [];
  const n = 1 + Math.floor(r() * 4);
  for (let i = 0; i < n; i++) {
    const executor = pick(r, ['docker', 'docker', 'shell', 'kubernetes']);
    const lines: string[] = [];
    if (executor === 'docker') {
      lines.push('\t[runners.docker]', `\t\timage = "${pick(r, ['alpine:3.20', 'debian:12', 'docker:27'])}"`);
      if (r() < 0.5) lines.push(`\t\tprivileged = ${r() < 0.7}${r() < 0.3 ? ' # dind' : ''}`);
      if (r() < 0.3) lines.push('\t\tservices_privileged = true');
      const vols = ['"/cache"', ...(r() < 0.5 ? [pick(r, ['"/var/run/docker.sock:/var/run/docker.sock"', '"/run/docker.sock:/var/run/docker.sock:rw"'])] : []), ...(r() < 0.3 ? ['"/srv/ro:/srv/ro:ro"'] : [])];
      lines.push(r() < 0.5 ? `\t\tvolumes = [${vols.join(', ')}]` : `\t\tvolumes = [\n${vols.map((v) => `\t\t\t${v},`).join('\n\t\t\t# a comment\n')}\n\t\t]`);
      if (r() < 0.6) lines.push(`\t\tpull_policy = ${pick(r, ['"if-not-present"', '["if-not-present", "always"]', '"always"', '["always"]'])}`);
    }
    if (executor === 'kubernetes') lines.push('\t[runners.kubernetes]', '\t\tnamespace = "ci"', ...(r() < 0.5 ? ['\t\tprivileged = true'] : []));
    if (r() < 0.4) lines.push('\t[runners.feature_flags]', `\t\tFF_ENABLE_JOB_CLEANUP = ${r() < 0.5}`);
    entries.push(runner(`r${i}-${executor}`, executor, `${lines.join('\n')}\n`));
  }
  await runnerHost(t, entries.join('\n'));
  const mode = pick(r, [0o600, 0o640, 0o644, 0o666]);
  const text = await fsp.readFile(t.p(CONFIG_PATH));
  await t.file(CONFIG_PATH, text, { mode, uid: pick(r, [0, 998]), gid: 0 });
}

const ROUNDS = 25;

describe('random subsets of remediations on random fixture hosts', () => {
  it(`rollback restores every tree byte for byte (${ROUNDS} rounds)`, async () => {
    const base = Number(process.env.RG_PROPERTY_SEED ?? Date.now() % 1_000_000);
    let applied = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const seed = base + round;
      const r = rng(seed);
      const t = await FixtureTree.create();
      const state = await fsp.mkdtemp(path.join(os.tmpdir(), 'rg-prop-'));
      try {
        await randomHost(t, r);
        const subset = REMEDIATIONS.filter(() => r() < 0.6);
        const config = await caseConfig(state);
        const host = createHost({ root: t.root });
        const before = await treeHash(t.root);
        const { planned } = await planRemediations({ host, config, checks: CATALOGUE, remediations: subset, stateDir: state });
        const plans = planned.flatMap((p) => p.plans);
        applied += plans.length;
        const res = await applyPlans(host, plans, state);
        expect(res.status, `seed ${seed}: ${res.error}`).toBe('applied');
        // What was applied must not fail any more.
        const again = await planRemediations({ host: createHost({ root: t.root }), config, checks: CATALOGUE, remediations: subset, stateDir: state });
        expect(again.planned.flatMap((p) => p.plans.map((x) => `${x.remediation} ${x.subject}`)), `seed ${seed}: idempotent`).toEqual([]);
        await rollbackRun(createHost({ root: t.root }), state, res.runId);
        expect(await treeHash(t.root), `seed ${seed}: rollback identity (${subset.map((x) => x.meta.id).join(' ')})`).toBe(before);
      } finally {
        await t.remove();
        await fsp.rm(state, { recursive: true, force: true });
      }
    }
    // Not vacuous: most rounds had something to fix.
    expect(applied, `base seed ${base}`).toBeGreaterThan(ROUNDS);
  });
});
