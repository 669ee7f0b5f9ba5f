import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../../checks/index.js';
import { runAudit } from '../../../agent/engine/run-checks.js';
import { createHost } from '../../../agent/host/index.js';
import { applyPlans } from '../../../agent/remediate/apply.js';
import { planRemediations } from '../../../agent/remediate/plan.js';
import { renderPlans } from '../../../agent/remediate/render.js';
import { rollbackRun } from '../../../agent/remediate/rollback.js';
import { walkActivity } from '../../../agent/util/walk.js';
import credentialFiles from '../../../remediations/build/credential-files.js';
import leftoverDirs from '../../../remediations/build/leftover-dirs.js';
import { caseConfig } from '../../helpers/remediation-cases.js';
import { ageTree, FixtureTree, jobCheckout } from '../../helpers/fixture-tree.js';
import { BUILDS, shellRunner } from './credential-fixture.js';

const APP = `${BUILDS}/t0ken123/0/group/app`;
const LIB = `${BUILDS}/t0ken123/1/other/lib`;
const FRESH = `${BUILDS}/t0ken123/0/group/fresh`;
const check = CATALOGUE.find((c) => c.meta.id === 'RG-BUILD-001')!;

let t: FixtureTree;
let state: string;
afterEach(async () => {
  await t.remove();
  await fsp.rm(state, { recursive: true, force: true });
});

/** Every path under the root with its kind, mode, owner and content hash: what a rollback must leave as it was. */
async function listing(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const n of (await fsp.readdir(dir)).sort()) {
      const p = path.join(dir, n);
      const st = await fsp.lstat(p);
      const hash = st.isFile() ? createHash('sha256').update(await fsp.readFile(p)).digest('hex').slice(0, 12) : '';
      out.push(`/${path.relative(root, p)} ${(st.mode & 0o170000).toString(8)} ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid} ${hash}`.trimEnd());
      if (st.isDirectory()) await walk(p);
    }
  };
  await walk(root);
  return out;
}

const under = (lines: string[], dirs: string[]) => lines.filter((l) => !dirs.some((d) => l.startsWith(`${d} `) || l.startsWith(`${d}/`)));
const paths = (lines: string[]) => lines.map((l) => l.split(' ')[0]!);

/** Two old checkouts (72 h, 30 h) and a fresh one, as test/checks/build/leftover-dirs.cases.ts builds them. */
async function host(config = ''): Promise<{ config: Awaited<ReturnType<typeof caseConfig>> }> {
  t = await FixtureTree.create();
  state = await fsp.mkdtemp(path.join(os.tmpdir(), 'rg-state-'));
  await shellRunner(t);
  await jobCheckout(t, APP, { bytes: 5000 });
  await jobCheckout(t, LIB, { bytes: 3000 });
  await jobCheckout(t, FRESH);
  await ageTree(t, APP, 72);
  await ageTree(t, LIB, 30);
  return { config: await caseConfig(state, config) };
}

async function plan(config: Awaited<ReturnType<typeof caseConfig>>, remediations = [leftoverDirs]) {
  const { planned } = await planRemediations({ host: createHost({ root: t.root }), config, checks: CATALOGUE, remediations, stateDir: state });
  return planned[0]!;
}

const CHECKOUT_BYTES = (src: number) => 21 + 64 + 151 + src; // HEAD + index + .git/config (jobCheckout's default remote) + src/main.c

describe('RG-BUILD-001: planning reuses the audit\'s walk', () => {
  it('the builds dir is walked once for the findings and the plan, not once each', async () => {
    const { config } = await host();
    for (let i = 0; i < 200; i++) await t.dir(`${FRESH}/src/d${i}`);
    const a0 = walkActivity.dirsOpened;
    await runAudit({ host: createHost({ root: t.root }), config, checks: [check] });
    const audit = walkActivity.dirsOpened - a0;
    const p0 = walkActivity.dirsOpened;
    const p = await plan(config);
    const planning = walkActivity.dirsOpened - p0;
    expect(p.plans[0]?.steps).toHaveLength(2);
    expect(audit).toBeGreaterThan(200);
    // What planning adds to the audit's walk: the two old checkouts' trees (sized and pinned), not the 200 dirs again.
    expect(planning - audit).toBeLessThan(40);
  });
});

describe('RG-BUILD-001: plan, apply (check passes), again (no-op), rollback (deleted stays deleted, the rest as it was)', () => {
  it('deletes the two old checkouts and nothing else', async () => {
    const { config } = await host();
    const before = await listing(t.root);
    const p = await plan(config);
    expect(p.refusals).toEqual([]);
    expect(p.plans).toEqual([
      {
        remediation: 'RG-BUILD-001',
        subject: BUILDS,
        summary: 'delete 2 job dir(s) unused for more than 24 h, 8.3 KiB in all',
        steps: [
          { op: 'removeTree', path: APP, mtimeMs: expect.any(Number), newestMs: expect.any(Number), pin: expect.objectContaining({ kind: 'dir' }), bytes: CHECKOUT_BYTES(5000), reason: expect.stringMatching(/^unused for 72 h, last used \d{4}-\d\d-\d\dT[\d:.]+Z$/) },
          { op: 'removeTree', path: LIB, mtimeMs: expect.any(Number), newestMs: expect.any(Number), pin: expect.objectContaining({ kind: 'dir' }), bytes: CHECKOUT_BYTES(3000), reason: expect.stringMatching(/^unused for 30 h, last used /) },
        ],
      },
    ]);
    const text = await renderPlans(createHost({ root: t.root }), [p]);
    expect(text).toContain('impact: not reversible: the listed checkouts are deleted');
    expect(text).toMatch(new RegExp(`\\n    delete ${APP} \\(5236 bytes; unused for 72 h, last used [^)]+\\) — not reversible\\n`));
    expect(text).toMatch(new RegExp(`\\n    delete ${LIB} \\(3236 bytes; unused for 30 h, last used [^)]+\\) — not reversible\\n`));
    expect(await listing(t.root), 'planning changes nothing').toEqual(before);

    const r = await applyPlans(createHost({ root: t.root }), p.plans, state);
    expect(r.status, r.error).toBe('applied');
    expect(r.steps.map((s) => [s.state, s.note])).toEqual([
      ['applied', `deleted ${APP} (5236 bytes)`],
      ['applied', `deleted ${LIB} (3236 bytes)`],
    ]);
    const audit = await runAudit({ host: createHost({ root: t.root }), config, checks: [check] });
    expect(audit.findings.map((f) => [f.status, f.subject, f.message])).toEqual([['pass', BUILDS, '1 job dir(s), none unused for more than 24 h']]);
    expect((await plan(config)).plans, 'applying again finds nothing to do').toEqual([]);

    await rollbackRun(createHost({ root: t.root }), state, r.runId);
    const after = await listing(t.root);
    expect(after).toEqual(under(before, [APP, LIB]));
    expect(paths(after.filter((l) => l.startsWith(`${BUILDS}/`)))).toEqual([
      `${BUILDS}/t0ken123`,
      `${BUILDS}/t0ken123/0`,
      `${BUILDS}/t0ken123/0/group`,
      `${FRESH}`,
      `${FRESH}/.git`,
      `${FRESH}/.git/HEAD`,
      `${FRESH}/.git/config`,
      `${FRESH}/.git/index`,
      `${FRESH}/src`,
      `${FRESH}/src/main.c`,
      `${BUILDS}/t0ken123/1`,
      `${BUILDS}/t0ken123/1/other`,
    ]);
  });

  it('max_age_hours = 48 from [checks.RG-BUILD-001]: only the 72 h checkout goes', async () => {
    const { config } = await host('[checks.RG-BUILD-001]\nmax_age_hours = 48\n');
    const p = await plan(config);
    expect(p.plans.map((x) => [x.summary, x.steps.map((s) => s.op === 'removeTree' && s.path)])).toEqual([['delete 1 job dir(s) unused for more than 48 h, 5.1 KiB in all', [APP]]]);
  });
});

describe('RG-BUILD-001: only dirs nothing uses; a dir that changed is skipped, not the run', () => {
  it('a git lock at plan time: that dir is refused, the other goes', async () => {
    const { config } = await host();
    await t.file(`${APP}/.git/index.lock`, '');
    await ageTree(t, APP, 72);
    const p = await plan(config);
    expect(p.refusals).toEqual([{ remediation: 'RG-BUILD-001', subject: APP, reason: 'it holds .git/index.lock: a job may be running in it; if none is (a crashed job left the lock), delete the lock and plan again' }]);
    expect(p.plans.flatMap((x) => x.steps.map((s) => s.op === 'removeTree' && s.path))).toEqual([LIB]);
  });

  it('a file modified deep inside within max_age_hours (git stamps old): refused', async () => {
    const { config } = await host();
    await fsp.utimes(t.p(`${APP}/src/main.c`), new Date(), new Date(Date.now() - 3600_000));
    const p = await plan(config);
    expect(p.refusals).toEqual([{ remediation: 'RG-BUILD-001', subject: APP, reason: 'src/main.c in it was modified 1 h ago, within max_age_hours (24): something still uses it' }]);
  });

  it('an old checkout inside another old one goes with it: one step', async () => {
    const { config } = await host();
    await jobCheckout(t, `${APP}/vendor/sub`);
    await ageTree(t, APP, 72);
    const p = await plan(config);
    expect(p.plans.flatMap((x) => x.steps.map((s) => s.op === 'removeTree' && s.path))).toEqual([APP, LIB]);
  });

  it('after the plan a job takes a lock in one dir and writes deep in another: both skipped, the run applies', async () => {
    const { config } = await host();
    await jobCheckout(t, `${BUILDS}/t0ken123/2/third/svc`);
    await ageTree(t, `${BUILDS}/t0ken123/2`, 50);
    const p = await plan(config);
    expect(p.plans[0]!.steps.map((s) => s.op === 'removeTree' && s.path)).toEqual([APP, `${BUILDS}/t0ken123/2/third/svc`, LIB]);
    await fsp.writeFile(t.p(`${APP}/.git/index.lock`), '');
    await fsp.writeFile(t.p(`${LIB}/src/main.c`), 'rebuilt');
    const r = await applyPlans(createHost({ root: t.root }), p.plans, state);
    expect(r.status, r.error).toBe('applied');
    expect(r.steps.map((s) => [s.state, s.note])).toEqual([
      ['skipped', `${APP} holds .git/index.lock: a job may be running in it (or a crashed one left the lock): left alone`],
      ['applied', `deleted ${BUILDS}/t0ken123/2/third/svc (${CHECKOUT_BYTES(1000)} bytes)`],
      ['skipped', `${LIB}/src/main.c changed since the plan (a job may be using it): left alone`],
    ]);
    expect(await fsp.readFile(t.p(`${LIB}/src/main.c`), 'utf8')).toBe('rebuilt');
    expect((await fsp.readdir(t.p(APP))).sort()).toEqual(['.git', 'src']);
  });

  it('one run with RG-BUILD-002: the deleted checkout\'s credentials are skipped (gone), the kept one\'s scrub is undone by rollback', async () => {
    const { config } = await host();
    const token = 'https://gitlab-ci-token:glcbt-64_SECRETJOBTOKEN@gitlab.example.com/group/x.git';
    await jobCheckout(t, APP, { remote: token, bytes: 5000 });
    await t.file(`${APP}/.netrc`, 'machine gitlab.example.com login ci password SECRETPASS\n', { mode: 0o600 });
    await ageTree(t, APP, 72);
    await jobCheckout(t, FRESH, { remote: token });
    const before = await listing(t.root);
    const { planned } = await planRemediations({ host: createHost({ root: t.root }), config, checks: CATALOGUE, remediations: [leftoverDirs, credentialFiles], stateDir: state });
    const r = await applyPlans(createHost({ root: t.root }), planned.flatMap((x) => x.plans), state);
    expect(r.status, r.error).toBe('applied');
    expect(r.steps.map((s) => [s.remediation, s.subject, s.state]).sort()).toEqual(
      [
        ['RG-BUILD-001', BUILDS, 'applied'],
        ['RG-BUILD-001', BUILDS, 'applied'],
        ['RG-BUILD-002', `${APP}/.git/config`, 'skipped'],
        ['RG-BUILD-002', `${APP}/.netrc`, 'skipped'],
        ['RG-BUILD-002', `${FRESH}/.git/config`, 'applied'],
      ].sort(),
    );
    expect(await fsp.readFile(t.p(`${FRESH}/.git/config`), 'utf8')).toContain('\turl = https://gitlab.example.com/group/x.git\n');
    await rollbackRun(createHost({ root: t.root }), state, r.runId);
    expect(await listing(t.root)).toEqual(under(before, [APP, LIB]));
  });
});
