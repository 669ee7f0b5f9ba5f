import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { remediationFor } from '../../../remediations/index.js';
import { Journal } from '../../../agent/remediate/journal.js';
import { runCli } from '../../helpers/cli.js';
import { makeCliHost, removeCliHost } from '../../helpers/cli-host.js';
import { FixtureTree, jobCheckout } from '../../helpers/fixture-tree.js';
import { treeHash } from '../../helpers/remediation-cases.js';
import { JOB, SECRETS, shellRunner } from './credential-fixture.js';

// The real `runnerguard fix` / `rollback` commands; they reach RG-BUILD-002 once remediations/index.ts lists it (skipped, and shown as skipped, until then).
const registered = remediationFor('RG-BUILD-002') !== undefined;

let bundle: string;
let t: FixtureTree;
let state: string;
let cfg: string;
beforeAll(async () => {
  if (!registered) return;
  ({ bundle, t, state, cfg } = await makeCliHost());
  await shellRunner(t);
  await jobCheckout(t, JOB, { remote: 'https://gitlab-ci-token:glcbt-64_SECRETJOBTOKEN@gitlab.example.com/group/app.git' });
  await t.file(`${JOB}/.npmrc`, '//registry.npmjs.org/:_authToken=SECRETNPMTOKEN\n');
});
afterAll(() => removeCliHost({ bundle, t, state }));

describe.runIf(registered)('runnerguard fix RG-BUILD-002 (built bundle, fixture root)', () => {
  it('fix, fix --apply and rollback print no secret; journal.json holds none', async () => {
    const before = await treeHash(t.root);
    const plan = await runCli(bundle, ['fix', 'RG-BUILD-002', '--root', t.root, '--config', cfg]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('-\turl = https://gitlab-ci-token:****@gitlab.example.com/group/app.git\n');
    expect(plan.stdout).toContain('+\turl = https://gitlab.example.com/group/app.git\n');
    const applied = await runCli(bundle, ['fix', '--apply', 'RG-BUILD-002', '--root', t.root, '--config', cfg]);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(applied.stdout).toContain('re-check RG-BUILD-002 /home/gitlab-runner/builds: pass\n');
    const [runId] = await Journal.list(`${state}/state`);
    const journal = readFileSync(path.join(Journal.root(`${state}/state`), runId!, 'journal.json'), 'utf8');
    const back = await runCli(bundle, ['rollback', '--root', t.root, '--config', cfg]);
    expect(back.code, back.stderr).toBe(0);
    expect(await treeHash(t.root)).toBe(before);
    for (const s of SECRETS) for (const text of [plan.stdout, plan.stderr, applied.stdout, applied.stderr, back.stdout, back.stderr, journal]) expect(text).not.toContain(s);
  });
});
