import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../checks/index.js';
import { createHost } from '../../agent/host/index.js';
import { applyPlans } from '../../agent/remediate/apply.js';
import { planRemediations } from '../../agent/remediate/plan.js';
import { rollbackRun } from '../../agent/remediate/rollback.js';
import type { Remediation } from '../../agent/remediate/types.js';
import { REMEDIATIONS } from '../../remediations/index.js';
import { caseConfig } from '../helpers/remediation-cases.js';
import { ageTree, FixtureTree, gitlabRunnerUnit, jobCheckout } from '../helpers/fixture-tree.js';
import { giveToJob, JOB_UID, listingExcept } from '../helpers/attack.js';
import { key } from '../checks/ssh/fixture.js';
import { buildBundle, runCli } from '../helpers/cli.js';

// A CI job (uid 999) owns the runner's home, its builds dir and what it
// plants in /tmp, and has read this code. Each attack below turned the agent
// into a root exploit before the safe-path layer; each asserts that nothing
// outside the attacker's own dirs changed (listingExcept).

const HOME = '/home/gitlab-runner';
const JOB = { uid: JOB_UID, gid: JOB_UID };
const byId = (...ids: string[]): Remediation[] => ids.map((id) => REMEDIATIONS.find((r) => r.meta.id === id)!);

let t: FixtureTree;
let state: string;
beforeEach(async () => {
  t = await FixtureTree.create('rg-attack-');
  state = await fsp.mkdtemp(path.join(os.tmpdir(), 'rg-attack-state-'));
  await t.dir('/home', { mode: 0o755 });
  await t.dir('/root', { mode: 0o700 });
  await t.dir('/tmp', { mode: 0o1777 });
  await t.useradd('gitlab-runner', { uid: JOB_UID });
});
afterEach(async () => {
  await t.remove();
  await fsp.rm(state, { recursive: true, force: true });
});


/** A shell runner (root's config in /etc) whose jobs run as gitlab-runner in its home. */
async function shellRunner(config = '/etc/gitlab-runner/config.toml', unitUser?: string): Promise<void> {
  await t.file('/usr/bin/gitlab-runner', '#!/bin/sh\n', { mode: 0o755 });
  await t.unit('gitlab-runner.service', gitlabRunnerUnit({ config, userArg: 'gitlab-runner', user: unitUser }));
  await t.file(config, 'concurrent = 1\n\n[[runners]]\n  name = "shell-1"\n  token = "glrt-attackertoken000000"\n  executor = "shell"\n', { mode: unitUser ? 0o644 : 0o600, ...(unitUser ? JOB : {}) });
}

/** Root's things a job would love the agent to delete or move: an old "checkout", root's .netrc, a host key, /etc/passwd. */
async function rootTreasures(): Promise<void> {
  await jobCheckout(t, '/opt/app', { remote: 'https://root:ROOTSECRET@git.example.com/x.git' });
  await ageTree(t, '/opt/app', 96);
  await t.file('/root/.netrc', 'machine git.example.com login root password ROOTSECRET\n', { mode: 0o600 });
  await t.file('/etc/ssh/ssh_host_ed25519_key', key('ed25519'), { mode: 0o600 });
}

async function planAndApply(ids: string[]) {
  const config = await caseConfig(state);
  const host = createHost({ root: t.root });
  const { planned } = await planRemediations({ host, config, checks: CATALOGUE, remediations: byId(...ids), stateDir: state });
  const result = await applyPlans(host, planned.flatMap((p) => p.plans), state);
  return { planned, result, refusals: planned.flatMap((p) => p.refusals.map((r) => r.reason)) };
}

describe('a job-owned link is never followed by a remediation', () => {
  it('builds dir swapped for a link to /: RG-BUILD-001, RG-BUILD-002 and RG-SSH-001 touch nothing of root\'s', async () => {
    await shellRunner();
    await rootTreasures();
    await t.symlink(`${HOME}/builds`, '/');
    await fsp.lchown(t.p(`${HOME}/builds`), JOB.uid, JOB.gid);
    const before = await listingExcept(t.root, [HOME]);
    const { planned, result, refusals } = await planAndApply(['RG-BUILD-001', 'RG-BUILD-002', 'RG-SSH-001']);
    // The audit saw root's files through the link (read-only is fine); no plan acts through it.
    expect(planned.flatMap((p) => p.findings).length).toBeGreaterThan(0);
    expect(refusals.length).toBeGreaterThan(0);
    for (const r of refusals) expect(r).toMatch(/\/home\/gitlab-runner\/builds is a symlink owned by uid 999: not followed/);
    expect(result.steps.filter((s) => s.state === 'applied').map((s) => [s.subject, s.note])).toEqual([]);
    expect(await listingExcept(t.root, [HOME])).toEqual(before);
  });

  it('a .runner whose workFolder names /opt: the old "job dir" there is not deleted and its credentials stay', async () => {
    await rootTreasures();
    const RUNNER_DIR = `${HOME}/actions-runner`;
    await t.file(`${RUNNER_DIR}/.runner`, JSON.stringify({ agentName: 'gh-1', poolName: 'Default', serverUrl: 'https://pipelines.actions.githubusercontent.com/x', gitHubUrl: 'https://github.com/acme', workFolder: '/opt' }));
    await t.file(`${RUNNER_DIR}/.credentials`, '{}', { mode: 0o600 });
    await t.unit('actions.runner.acme.gh-1.service', `[Service]\nExecStart=${RUNNER_DIR}/runsvc.sh\nUser=gitlab-runner\nWorkingDirectory=${RUNNER_DIR}\n`);
    await giveToJob(t.p(RUNNER_DIR));
    const before = await listingExcept(t.root, [HOME]);
    const { planned, result } = await planAndApply(['RG-BUILD-001', 'RG-BUILD-002']);
    const steps = planned.flatMap((p) => p.plans.flatMap((x) => x.steps));
    // It is planned (the location is data), but as the .runner's owner, who may not touch /opt.
    expect(steps.length).toBeGreaterThan(0);
    for (const s of steps) expect(s).toMatchObject({ actAs: { uid: JOB_UID } });
    expect(result.status, result.error).toBe('applied');
    expect(result.steps.map((s) => s.state)).toEqual(steps.map(() => 'skipped'));
    for (const s of result.steps) expect(s.note).toMatch(/as uid 999 .*(EACCES|permission denied|cannot be moved aside)|cannot be moved aside/i);
    expect(await listingExcept(t.root, [HOME])).toEqual(before);
  });

  it('RG-RUN-002: a user-mode config.toml that is a link to /etc/passwd is refused, /etc/passwd keeps its owner', async () => {
    const CONFIG = `${HOME}/.gitlab-runner/config.toml`;
    await shellRunner(CONFIG, 'gitlab-runner');
    await fsp.rm(t.p(CONFIG));
    await t.symlink(CONFIG, t.p('/etc/passwd')); // a host path, as a job on this machine would make it
    await giveToJob(t.p(`${HOME}/.gitlab-runner`));
    await fsp.chmod(t.p('/etc/passwd'), 0o644);
    const before = await listingExcept(t.root, [HOME]);
    const config = await caseConfig(state, `[gitlab]\nconfig = "${CONFIG}"\n`);
    const host = createHost({ root: t.root });
    const { planned } = await planRemediations({ host, config, checks: CATALOGUE, remediations: byId('RG-RUN-002'), stateDir: state });
    const result = await applyPlans(host, planned.flatMap((p) => p.plans), state);
    expect(result.steps.filter((s) => s.state === 'applied')).toEqual([]);
    expect(await listingExcept(t.root, [HOME])).toEqual(before);
  });
});

describe('a job dir that cannot be seen whole is not deleted', () => {
  it('a subdir root cannot read (the unit without DAC capabilities): RG-BUILD-001 refuses the dir, names why', async () => {
    await shellRunner();
    const APP = `${HOME}/builds/t0/0/g/app`;
    await jobCheckout(t, APP);
    await t.dir(`${APP}/hidden`);
    await t.file(`${APP}/hidden/.git/index.lock`, '');
    await ageTree(t, APP, 72);
    await giveToJob(t.p(`${HOME}/builds`));
    await fsp.chmod(t.p(`${APP}/hidden`), 0o000);
    const conf = path.join(state, 'config.toml');
    await fsp.writeFile(conf, `[agent]\nstate_dir = "${state}/s"\n`, { mode: 0o644 });
    const prefix = ['setpriv', '--bounding-set', '-dac_override,-dac_read_search', '--inh-caps', '-dac_override,-dac_read_search', '--'];
    const before = await listingExcept(t.root, []);
    const r = await runCli(buildBundle(), ['fix', 'RG-BUILD-001', '--root', t.root, '--config', conf], { prefix });
    expect(r.stdout).toContain(`${APP}: refused: it could not be seen whole (1 unreadable dir(s) in it): a lock or a fresh file may hide there`);
    expect(await listingExcept(t.root, [])).toEqual(before);
  });
});

describe('rollback says what it did not put back', () => {
  it('a deleted job dir is irreversible, never "undone", and the run is not retried for it', async () => {
    await shellRunner();
    const APP = `${HOME}/builds/t0/0/g/app`;
    await jobCheckout(t, APP);
    await ageTree(t, APP, 72);
    await giveToJob(t.p(`${HOME}/builds`));
    const { result } = await planAndApply(['RG-BUILD-001']);
    expect(result.steps.map((s) => [s.step.op, s.state])).toEqual([['removeTree', 'applied']]);
    const r = await rollbackRun(createHost({ root: t.root }), state);
    expect(r.failed).toEqual([]);
    expect(r.entries.map((e) => [e.state, e.note])).toEqual([['irreversible', `${APP} was deleted: not reversible`]]);
    expect(await fsp.lstat(t.p(APP)).catch(() => null)).toBeNull();
  });
});

describe('rollback never follows what a job planted', () => {
  const CONFIG = `${HOME}/.gitlab-runner/config.toml`;

  async function appliedEdit() {
    await shellRunner(CONFIG, 'gitlab-runner');
    await fsp.appendFile(t.p(CONFIG), '  [runners.feature_flags]\n    FF_ENABLE_JOB_CLEANUP = false\n');
    await giveToJob(t.p(`${HOME}/.gitlab-runner`));
    const config = await caseConfig(state, `[gitlab]\nconfig = "${CONFIG}"\n`);
    const host = createHost({ root: t.root });
    const { planned } = await planRemediations({ host, config, checks: CATALOGUE, remediations: byId('RG-RUN-007'), stateDir: state });
    const result = await applyPlans(host, planned.flatMap((p) => p.plans), state);
    expect(result.status, result.error).toBe('applied');
    expect(result.steps.map((s) => [s.step.op, s.state])).toEqual([['editFile', 'applied']]);
    return host;
  }

  it('a link at the old predictable temp name (config.toml.runnerguard-restore) is not written through', async () => {
    const host = await appliedEdit();
    await t.symlink(`${CONFIG}.runnerguard-restore`, t.p('/etc/passwd'));
    const before = await listingExcept(t.root, [HOME]);
    const r = await rollbackRun(host, state);
    expect(r.failed).toEqual([]);
    expect(await fsp.readFile(t.p(CONFIG), 'utf8')).toContain('FF_ENABLE_JOB_CLEANUP = false');
    expect(await listingExcept(t.root, [HOME])).toEqual(before);
  });

  it('the config\'s directory swapped for a link to /etc: rollback refuses, says so, writes nothing', async () => {
    const host = await appliedEdit();
    await fsp.rename(t.p(`${HOME}/.gitlab-runner`), t.p(`${HOME}/.moved`));
    await t.symlink(`${HOME}/.gitlab-runner`, t.p('/etc'));
    await fsp.lchown(t.p(`${HOME}/.gitlab-runner`), JOB.uid, JOB.gid);
    await fsp.copyFile(t.p(`${HOME}/.moved/config.toml`), t.p('/etc/config.toml')); // a target the naive rollback would overwrite
    const before = await listingExcept(t.root, [HOME]);
    const r = await rollbackRun(host, state);
    expect(r.failed.map((f) => f.error)).toEqual([`${HOME}/.gitlab-runner is a symlink owned by uid 999: not followed`]);
    expect(r.entries.map((e) => e.state)).toEqual(['applied']); // not "undone"
    expect(await listingExcept(t.root, [HOME])).toEqual(before);
  });

  it('a quarantined key named ld.so.preload does not go into /etc when its parent is swapped for a link', async () => {
    await shellRunner();
    await t.file(`${HOME}/builds/t0/0/g/p/ld.so.preload`, key('rsa-pem'), { mode: 0o600 });
    await giveToJob(t.p(`${HOME}/builds`));
    const { result } = await planAndApply(['RG-SSH-001']);
    expect(result.steps.map((s) => [s.step.op, s.state])).toEqual([['quarantine', 'applied']]);
    const P = `${HOME}/builds/t0/0/g/p`;
    await fsp.rename(t.p(P), t.p(`${P}.old`));
    await t.symlink(P, t.p('/etc'));
    await fsp.lchown(t.p(P), JOB.uid, JOB.gid);
    const before = await listingExcept(t.root, [HOME]);
    const r = await rollbackRun(createHost({ root: t.root }), state);
    expect(r.failed.map((f) => f.error)).toEqual([`${P} is a symlink owned by uid 999: not followed`]);
    expect(await fsp.lstat(t.p('/etc/ld.so.preload')).catch(() => null)).toBeNull();
    expect(await listingExcept(t.root, [HOME])).toEqual(before);
  });

  it('a quarantined key goes back as its owner, into the directory as it is now, only where nothing is', async () => {
    await shellRunner();
    const KEY = `${HOME}/builds/t0/0/g/p/deploy.pem`;
    await t.file(KEY, key('rsa-pem'), { mode: 0o600 });
    await giveToJob(t.p(`${HOME}/builds`));
    const { result } = await planAndApply(['RG-SSH-001']);
    expect(result.steps.map((s) => s.state)).toEqual(['applied']);
    // The job made a new file at that name meanwhile: it is not overwritten, the run is not "rolled back".
    await t.file(KEY, 'mine\n', { mode: 0o644, ...JOB });
    const r1 = await rollbackRun(createHost({ root: t.root }), state);
    expect(r1.failed.map((f) => f.error)).toEqual([`${KEY} exists again: left as it is`]);
    expect(await fsp.readFile(t.p(KEY), 'utf8')).toBe('mine\n');
    await fsp.rm(t.p(KEY));
    const r2 = await rollbackRun(createHost({ root: t.root }), state);
    expect(r2.failed).toEqual([]);
    const st = await fsp.lstat(t.p(KEY));
    expect([await fsp.readFile(t.p(KEY)), st.uid, st.mode & 0o7777]).toEqual([key('rsa-pem'), JOB_UID, 0o600]);
  });
});
