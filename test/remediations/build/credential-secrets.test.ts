import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../../checks/index.js';
import { applyRemediations } from '../../../agent/cli/commands/fix.js';
import { createHost } from '../../../agent/host/index.js';
import { Journal } from '../../../agent/remediate/journal.js';
import { planRemediations } from '../../../agent/remediate/plan.js';
import { renderPlans, renderStep } from '../../../agent/remediate/render.js';
import { rollbackRun } from '../../../agent/remediate/rollback.js';
import credentialFiles from '../../../remediations/build/credential-files.js';
import { caseConfig, treeHash } from '../../helpers/remediation-cases.js';
import { FixtureTree, jobCheckout } from '../../helpers/fixture-tree.js';
import { JOB, MIRROR, SECRETS, shellRunner } from './credential-fixture.js';

/**
 * What `runnerguard fix RG-BUILD-002 [--apply]` and `rollback` print, through
 * the same functions the commands use, plus the journal they leave: no
 * secret anywhere but in the 0600 blobs and the quarantine.
 */
let t: FixtureTree;
let state: string;
beforeAll(async () => {
  t = await FixtureTree.create();
  state = await fsp.mkdtemp(path.join(os.tmpdir(), 'rg-state-'));
  await shellRunner(t);
  await jobCheckout(t, JOB, { remote: 'https://gitlab-ci-token:glcbt-64_SECRETJOBTOKEN@gitlab.example.com/group/app.git' });
  await jobCheckout(t, MIRROR, { remote: 'https://x-access-token:ghs_SECRETGITHUBTOKEN@github.com/o/r.git' });
  // An auth header and a token-as-user URL in the diff's context lines are masked too.
  await t.file(
    `${MIRROR}/.git/config`,
    '[core]\n\trepositoryformatversion = 0\n[http "https://github.com/"]\n\textraheader = AUTHORIZATION: basic SECRETPASS\n[remote "origin"]\n\turl = https://x-access-token:ghs_SECRETGITHUBTOKEN@github.com/o/r.git\n[remote "upstream"]\n\turl = https://p@ss%word@github.com/u/r.git\n',
  );
  await t.file(`${JOB}/.netrc`, 'machine gitlab.example.com login gitlab-ci-token password glcbt-64_SECRETJOBTOKEN\n', { mode: 0o600 });
  await t.file(`${JOB}/.npmrc`, '//registry.npmjs.org/:_authToken=SECRETNPMTOKEN\n');
});
afterAll(async () => {
  await t.remove();
  await fsp.rm(state, { recursive: true, force: true });
});

async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await files(p)));
    else out.push(p);
  }
  return out;
}

describe('RG-BUILD-002 never shows the secrets it removes', () => {
  it('plan, apply output, journal.json and rollback output hold no secret; blobs are 0600 in 0700 dirs', async () => {
    const before = await treeHash(t.root);
    const config = await caseConfig(state);
    const host = createHost({ root: t.root });
    const { planned } = await planRemediations({ host, config, checks: CATALOGUE, remediations: [credentialFiles], stateDir: state });
    let out = await renderPlans(host, planned);
    expect(out).toContain(`-\turl = https://x-access-token:****@github.com/o/r.git\n`);
    expect(out).toContain('\textraheader = ****\n');
    expect(out).toContain('\turl = https://****@github.com/u/r.git\n');
    const code = await applyRemediations(host, config, state, planned, (s) => void (out += s));
    expect(code, out).toBe(0);
    expect(out).toMatch(/applied RG-BUILD-002 \/home\/gitlab-runner\/builds\/t0ken123\/0\/group\/app\/\.git\/config: edit \/home\/gitlab-runner\/builds\/t0ken123\/0\/group\/app\/\.git\/config/);
    expect(out).toContain(`re-check RG-BUILD-002 /home/gitlab-runner/builds: pass\n`);
    expect(await fsp.readFile(t.p(`${MIRROR}/.git/config`), 'utf8')).toBe('[core]\n\trepositoryformatversion = 0\n[http "https://github.com/"]\n\textraheader = AUTHORIZATION: basic SECRETPASS\n[remote "origin"]\n\turl = https://github.com/o/r.git\n[remote "upstream"]\n\turl = https://p@ss%word@github.com/u/r.git\n');

    const [runId] = await Journal.list(state);
    const jdir = path.join(Journal.root(state), runId!);
    const journal = await fsp.readFile(path.join(jdir, 'journal.json'), 'utf8');
    expect(journal).toContain('gitlab-ci-token:****@');
    for (const f of await files(jdir)) expect((await fsp.stat(f)).mode & 0o777, f).toBe(0o600);
    for (const d of [Journal.root(state), jdir, path.join(jdir, 'blobs')]) expect((await fsp.stat(d)).mode & 0o777, d).toBe(0o700);

    const r = await rollbackRun(createHost({ root: t.root }), state, runId);
    for (const e of r.entries) out += `${e.state} ${(await renderStep(host, e.step)).split('\n')[0]} ${e.note ?? ''}\n`;
    expect(await treeHash(t.root)).toBe(before);
    const after = await fsp.readFile(path.join(jdir, 'journal.json'), 'utf8');
    for (const s of SECRETS) {
      expect(out, `output holds ${s}`).not.toContain(s);
      expect(journal, `journal.json holds ${s}`).not.toContain(s);
      expect(after, `journal.json holds ${s} after the rollback`).not.toContain(s);
    }
  });
});
