import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Journal } from '../../../agent/remediate/journal.js';
import { runCli } from '../../helpers/cli.js';
import { makeCliHost, removeCliHost } from '../../helpers/cli-host.js';
import type { FixtureTree } from '../../helpers/fixture-tree.js';
import { treeHash } from '../../helpers/remediation-cases.js';
import { agentUnit, jenkinsAgent, SECRET, UNIT, URL } from '../../checks/jenkins/fixture.js';

let bundle: string;
let t: FixtureTree;
let state: string;
let cfg: string;
beforeAll(async () => {
  ({ bundle, t, state, cfg } = await makeCliHost());
  await jenkinsAgent(t, { noSecretFile: true, unit: agentUnit({ exec: `/usr/bin/java -jar /var/lib/jenkins/agent.jar -url ${URL} -secret ${SECRET} -name build-1 -workDir /var/lib/jenkins/agent` }) });
});
afterAll(() => removeCliHost({ bundle, t, state }));

describe('runnerguard fix RG-JENKINS-002 (built bundle, fixture root)', () => {
  it('fix, fix --apply (re-check passes), fix --apply again (nothing to do) and rollback print no secret; journal.json holds none', async () => {
    const before = await treeHash(t.root);
    const plan = await runCli(bundle, ['fix', 'RG-JENKINS-002', '--root', t.root, '--config', cfg]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain(`-secret @/etc/jenkins-agent/jenkins-agent.secret -name build-1`);
    const applied = await runCli(bundle, ['fix', '--apply', 'RG-JENKINS-002', '--root', t.root, '--config', cfg]);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(applied.stdout).toContain(`re-check RG-JENKINS-002 jenkins-agent:${UNIT}: pass\n`);
    const again = await runCli(bundle, ['fix', '--apply', 'RG-JENKINS-002', '--root', t.root, '--config', cfg]);
    expect(again.stdout).toContain('RG-JENKINS-002: nothing to do (the check passes)');
    const [runId] = await Journal.list(`${state}/state`);
    const journal = readFileSync(path.join(Journal.root(`${state}/state`), runId!, 'journal.json'), 'utf8');
    const back = await runCli(bundle, ['rollback', '--root', t.root, '--config', cfg]);
    expect(back.code, back.stderr).toBe(0);
    expect(await treeHash(t.root)).toBe(before);
    for (const text of [plan.stdout, plan.stderr, applied.stdout, applied.stderr, again.stdout, again.stderr, back.stdout, back.stderr, journal]) expect(text).not.toContain(SECRET);
  });
});
