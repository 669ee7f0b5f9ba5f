import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect } from 'vitest';
import { CATALOGUE, checkOptionSchemas } from '../../checks/index.js';
import { parseConfig } from '../../agent/config/load.js';
import { defaultConfig, type AgentConfig } from '../../agent/config/schema.js';
import { runAudit } from '../../agent/engine/run-checks.js';
import type { Finding } from '../../agent/engine/types.js';
import { createHost, type Host } from '../../agent/host/index.js';
import { applyPlans, type ApplyResult } from '../../agent/remediate/apply.js';
import { planRemediations, type PlannedRemediation } from '../../agent/remediate/plan.js';
import { rollbackRun } from '../../agent/remediate/rollback.js';
import type { Remediation, Step } from '../../agent/remediate/types.js';
import { lstatAt, release, SafeRoot } from '../../agent/host/safe-path.js';
import { allows } from '../../agent/remediate/journal-check.js';
import { FixtureTree } from './fixture-tree.js';

/** Contents, modes, owners and link targets of every path under `root`: equal hashes, identical trees. */
export async function treeHash(root: string): Promise<string> {
  const h = createHash('sha256');
  const lines: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const names = (await fsp.readdir(dir)).sort();
    for (const n of names) {
      const p = path.join(dir, n);
      const st = await fsp.lstat(p);
      const rel = path.relative(root, p);
      const meta = `${rel} ${(st.mode & 0o170000).toString(8)} ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid}`;
      if (st.isSymbolicLink()) lines.push(`${meta} -> ${await fsp.readlink(p)}`);
      else if (st.isFile()) lines.push(`${meta} ${createHash('sha256').update(await fsp.readFile(p)).digest('hex')}`);
      else lines.push(meta);
      if (st.isDirectory()) await walk(p);
    }
  };
  await walk(root);
  h.update(lines.join('\n'));
  return h.digest('hex');
}

export interface RemediationCase {
  name: string;
  /** A failing host. */
  build(t: FixtureTree): Promise<void>;
  /** runnerguard config.toml text (state_dir is set by the harness). */
  config?: string;
  /** Checks on the plan (diff lines, refusals...). */
  plan?(planned: PlannedRemediation, host: Host): Promise<void> | void;
  /** Checks on the tree after apply. */
  applied?(t: FixtureTree, result: ApplyResult): Promise<void> | void;
  /** Subjects that must pass after apply (default: every subject that failed). */
}

export interface RemediationCases {
  remediation: Remediation;
  cases: RemediationCase[];
}

export function defineRemediationCases(c: RemediationCases): RemediationCases {
  return c;
}

export async function caseConfig(stateDir: string, text = ''): Promise<AgentConfig> {
  const c = text ? parseConfig(text, 'case.toml', checkOptionSchemas()) : defaultConfig();
  c.agent.state_dir = stateDir;
  return c;
}

async function planOne(host: Host, config: AgentConfig, r: Remediation): Promise<PlannedRemediation> {
  const { planned } = await planRemediations({ host, config, checks: CATALOGUE, remediations: [r], stateDir: config.agent.state_dir });
  return planned[0]!;
}

export interface PlanFixture {
  /** The tree and state dir of the test's last planOn (to apply or roll back its plan). */
  readonly t: FixtureTree;
  readonly state: string;
  /** Plans `r` on a fresh tree that `build` fills (temp state dir, default config); planning must change nothing in the tree. */
  planOn(r: Remediation, build: (t: FixtureTree) => Promise<void>): Promise<PlannedRemediation>;
}

/**
 * For tests of one plan's refusals and steps: registers an afterEach that
 * removes the tree and state dir of each test's planOn.
 */
export function usePlanFixture(): PlanFixture {
  const made: Array<{ t: FixtureTree; state: string }> = [];
  afterEach(async () => {
    for (const { t, state } of made.splice(0)) {
      await t.remove();
      await fsp.rm(state, { recursive: true, force: true });
    }
  });
  const last = () => made[made.length - 1]!;
  return {
    get t() {
      return last().t;
    },
    get state() {
      return last().state;
    },
    async planOn(r, build) {
      const t = await FixtureTree.create();
      const state = await fsp.mkdtemp(path.join(os.tmpdir(), 'rg-state-'));
      made.push({ t, state });
      await build(t);
      const before = await treeHash(t.root);
      const planned = await planOne(createHost({ root: t.root }), await caseConfig(state), r);
      expect(await treeHash(t.root), 'planning changes nothing').toBe(before);
      return planned;
    },
  };
}

const failing = (fs: Finding[]) => fs.filter((f) => f.status === 'fail' || f.status === 'warn').map((f) => `${f.subject}: ${f.status} ${f.message}`);

/**
 * The four-step protocol every remediation passes on a real fixture tree:
 * plan on a failing host, apply (the check passes), apply again (no-op),
 * rollback (the tree hashes as it did before).
 */
export async function runProtocol(r: Remediation, c: RemediationCase): Promise<void> {
  const t = await FixtureTree.create();
  const stateDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'rg-state-'));
  try {
    await c.build(t);
    const config = await caseConfig(stateDir, c.config);
    const host = createHost({ root: t.root });
    const check = CATALOGUE.find((x) => x.meta.id === r.meta.id)!;
    const before = await treeHash(t.root);

    const planned = await planOne(host, config, r);
    expect(planned.findings.length, 'the fixture host must fail the check').toBeGreaterThan(0);
    expect(planned.plans.length, `a plan (refusals: ${planned.refusals.map((x) => x.reason).join('; ')})`).toBeGreaterThan(0);
    // Every step is one its remediation declares (a rollback refuses journal entries outside its touches).
    for (const step of planned.plans.flatMap((p) => p.steps)) expect(allows(r.meta, step), `${r.meta.id} declares ${JSON.stringify(step).slice(0, 200)}`).toBe(true);
    // The engine pins each existing target as planned; the cases state the steps without the pins.
    for (const step of planned.plans.flatMap((p) => p.steps)) {
      if (!('pin' in step) || !step.pin) continue;
      const loc = new SafeRoot(t.root).locate(step.path);
      const st = lstatAt(loc)!;
      release(loc.dir);
      expect({ dev: step.pin.dev, ino: step.pin.ino }, `pin of ${step.path}`).toEqual({ dev: st.dev, ino: st.ino });
    }
    await c.plan?.({ ...planned, plans: planned.plans.map((p) => ({ ...p, steps: p.steps.map(({ pin: _pin, ...rest }: Step & { pin?: unknown }) => rest as Step) })) }, host);
    expect(await treeHash(t.root), 'planning changes nothing').toBe(before);

    const result = await applyPlans(host, planned.plans, stateDir);
    expect(result.status, result.error).toBe('applied');
    await c.applied?.(t, result);
    const after = await runAudit({ host: createHost({ root: t.root }), config, checks: [check] });
    expect(failing(after.findings), 'the check passes after apply').toEqual([]);

    const again = await planOne(createHost({ root: t.root }), config, r);
    expect(again.plans, 'applying again finds nothing to do').toEqual([]);

    const rb = await rollbackRun(createHost({ root: t.root }), stateDir, result.runId);
    expect(rb.failed.map((f) => f.error), "rollback undoes every step").toEqual([]);
    expect(await treeHash(t.root), 'rollback restores the tree byte for byte, modes and owners too').toBe(before);
  } finally {
    await t.remove();
    await fsp.rm(stateDir, { recursive: true, force: true });
  }
}
