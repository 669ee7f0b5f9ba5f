import { promises as fsp, lstatSync, readFileSync, readlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../../checks/index.js';
import { createHost } from '../../../agent/host/index.js';
import { applyPlans } from '../../../agent/remediate/apply.js';
import { planRemediations } from '../../../agent/remediate/plan.js';
import secretFile, { dropInPath, secretPath } from '../../../remediations/jenkins/secret-file.js';
import { caseConfig, treeHash } from '../../helpers/remediation-cases.js';
import { FixtureTree } from '../../helpers/fixture-tree.js';
import { agentUnit, jenkinsAgent, SECRET, SUBJECT, UNIT, URL } from '../../checks/jenkins/fixture.js';

const FILE = secretPath(UNIT);
const DROP_IN = dropInPath(UNIT);
const inline = `/usr/bin/java -jar /var/lib/jenkins/agent.jar -url ${URL} -secret ${SECRET} -name build-1 -workDir /var/lib/jenkins/agent`;
let t: FixtureTree;
let state: string;
afterEach(async () => {
  await t.remove();
  await fsp.rm(state, { recursive: true, force: true });
});

async function plan(build: (t: FixtureTree) => Promise<void>) {
  t = await FixtureTree.create();
  state = await fsp.mkdtemp(path.join(os.tmpdir(), 'rg-state-'));
  await build(t);
  const before = await treeHash(t.root);
  const { planned } = await planRemediations({ host: createHost({ root: t.root }), config: await caseConfig(state), checks: CATALOGUE, remediations: [secretFile], stateDir: state });
  expect(await treeHash(t.root), 'planning changes nothing').toBe(before);
  return planned[0]!;
}

/** Plans on the tree, expects one refusal, and no plan. */
async function refused(build: (t: FixtureTree) => Promise<void>): Promise<string> {
  const p = await plan(build);
  expect(p.plans).toEqual([]);
  expect(p.refusals.map((r) => r.subject)).toEqual([SUBJECT]);
  expect(p.refusals[0]!.reason).not.toContain(SECRET);
  return p.refusals[0]!.reason;
}

describe('RG-JENKINS-002 fix refuses what a job could have arranged', () => {
  it('attacker: the unit drop-in dir is owned by the job user: nothing is written there', async () => {
    const reason = await refused(async (t) => {
      await jenkinsAgent(t, { noSecretFile: true, unit: agentUnit({ exec: inline }) });
      await t.dir(`/etc/systemd/system/${UNIT}.d`, { mode: 0o755, uid: 1500, gid: 1500 });
    });
    expect(reason).toBe(`/etc/systemd/system/${UNIT}.d is owned by uid 1500, not root's alone: nothing is written there`);
  });

  it('attacker: /etc/jenkins-agent is the job user\'s dir', async () => {
    const reason = await refused(async (t) => {
      await jenkinsAgent(t, { noSecretFile: true, unit: agentUnit({ exec: inline }) });
      await t.dir('/etc/jenkins-agent', { mode: 0o755, uid: 1500, gid: 1500 });
    });
    expect(reason).toContain('/etc/jenkins-agent is owned by uid 1500');
  });

  it('attacker: a link planted at the secret path, and one at the drop-in path: refused, the link targets untouched', async () => {
    let reason = await refused(async (t) => {
      await jenkinsAgent(t, { noSecretFile: true, unit: agentUnit({ exec: inline }) });
      await t.file('/var/lib/jenkins/loot', '', { uid: 1500, gid: 1500, mode: 0o644 });
      await t.symlink(FILE, '/var/lib/jenkins/loot');
    });
    expect(reason).toBe(`${FILE} exists already and is not this agent's secret: left alone`);
    expect(readFileSync(t.p('/var/lib/jenkins/loot'), 'utf8')).toBe('');
    await t.remove();
    await fsp.rm(state, { recursive: true, force: true });
    reason = await refused(async (t) => {
      await jenkinsAgent(t, { noSecretFile: true, unit: agentUnit({ exec: inline }) });
      await t.symlink(DROP_IN, '/var/lib/jenkins/loot.conf');
    });
    expect(reason).toBe(`${DROP_IN} is a symlink: nothing is written through it`);
  });

  it('attacker: a job-writable EnvironmentFile holding a "secret" with systemd/shell syntax: never written anywhere', async () => {
    const reason = await refused(async (t) => {
      await jenkinsAgent(t, { noSecretFile: true, unit: agentUnit({ extra: 'EnvironmentFile=/var/lib/jenkins/agent.env\n', exec: '/usr/bin/java -jar /var/lib/jenkins/agent.jar -url ${JENKINS_URL} -secret ${JENKINS_SECRET} -name build-1 -workDir /var/lib/jenkins/agent' }) });
      await t.file('/var/lib/jenkins/agent.env', `JENKINS_URL=${URL}\nJENKINS_SECRET="x%h\\nExecStartPre=/tmp/evil"\n`, { mode: 0o644, uid: 1500, gid: 1500 });
    });
    expect(reason).toContain('not a plain token of letters and digits');
  });

  it('a job-owned EnvironmentFile holding a plain secret: not chowned away from its owner, refused', async () => {
    const reason = await refused(async (t) => {
      await jenkinsAgent(t, { noSecretFile: true, unit: agentUnit({ extra: 'EnvironmentFile=/var/lib/jenkins/agent.env\n', exec: '/usr/bin/java -jar /var/lib/jenkins/agent.jar -url ${JENKINS_URL} -secret ${JENKINS_SECRET} -name build-1 -workDir /var/lib/jenkins/agent' }) });
      await t.file('/var/lib/jenkins/agent.env', `JENKINS_URL=${URL}\nJENKINS_SECRET=${SECRET}\n`, { mode: 0o644, uid: 1500, gid: 1500 });
    });
    expect(reason).toBe('/var/lib/jenkins/agent.env holds the secret and is owned by uid 1500, not root: whoever owns it chose what the agent reads; move the secret by hand');
  });

  it('the secret in Environment= (systemd shows it to every user over D-Bus, whatever the mode): refused', async () => {
    const reason = await refused((t) => jenkinsAgent(t, { noSecretFile: true, unit: agentUnit({ extra: `Environment=JENKINS_SECRET=${SECRET}\n`, exec: '/usr/bin/java -jar /var/lib/jenkins/agent.jar -url https://j/ -secret ${JENKINS_SECRET} -name build-1' }) }));
    expect(reason).toContain('set with Environment= in the unit');
  });

  it('a positional secret (jnlp.Main <secret> <name>) takes no @file: refused', async () => {
    const reason = await refused((t) => jenkinsAgent(t, { noSecretFile: true, unit: agentUnit({ exec: `/usr/bin/java -cp /var/lib/jenkins/agent.jar hudson.remoting.jnlp.Main -headless -url ${URL} ${SECRET} build-1` }) }));
    expect(reason).toContain('not as the value of -secret');
  });

  it('a later drop-in that sets ExecStart= again would win over ours: refused', async () => {
    const reason = await refused(async (t) => {
      await jenkinsAgent(t, { noSecretFile: true, unit: agentUnit({ exec: inline }) });
      await t.file(`/etc/systemd/system/${UNIT}.d/zz-local.conf`, `[Service]\nExecStart=\nExecStart=${inline}\n`, { mode: 0o600 });
    });
    expect(reason).toContain('a drop-in sorting after ours sets it');
  });

  it('a later drop-in in a dir the facts once missed (system.control, the dash prefix): read, so refused offline too', async () => {
    for (const f of [`/etc/systemd/system.control/${UNIT}.d/zz-local.conf`, '/etc/systemd/system/jenkins-.service.d/zz-local.conf']) {
      const reason = await refused(async (t) => {
        await jenkinsAgent(t, { noSecretFile: true, unit: agentUnit({ exec: inline }) });
        await t.file(f, `[Service]\nExecStart=\nExecStart=${inline}\n`, { mode: 0o600 });
      });
      expect(reason, f).toContain('a drop-in sorting after ours sets it');
      await t.remove();
      await fsp.rm(state, { recursive: true, force: true });
    }
    t = await FixtureTree.create(); // for afterEach
  });

  it('attacker: a drop-in a job linked to a root-only file (not followed), and one the agent user owns: refused offline, where no systemd can be asked', async () => {
    let reason = await refused(async (t) => {
      await jenkinsAgent(t, { noSecretFile: true, unit: agentUnit({ exec: inline }) });
      await t.file('/root/x.conf', '[Service]\nNice=1\n', { mode: 0o600 });
      await t.dir('/run/systemd/system/jenkins-.service.d', { uid: 1500, gid: 1500 });
      await t.symlink('/run/systemd/system/jenkins-.service.d/50-x.conf', '/root/x.conf');
      await fsp.lchown(t.p('/run/systemd/system/jenkins-.service.d/50-x.conf'), 1500, 1500);
    });
    expect(reason).toBe('systemd also applies /run/systemd/system/jenkins-.service.d/50-x.conf, which could not be read (/run/systemd/system/jenkins-.service.d/50-x.conf is a symlink owned by uid 1500: not followed): it may set ExecStart= after ours or hold the secret; move the secret by hand');
    await t.remove();
    await fsp.rm(state, { recursive: true, force: true });
    reason = await refused(async (t) => {
      await jenkinsAgent(t, { noSecretFile: true, unit: agentUnit({ exec: inline }) });
      await t.file('/etc/systemd/system/service.d/10-x.conf', '[Service]\nNice=1\n', { uid: 1500, gid: 1500 });
    });
    expect(reason).toContain('which a user other than root can rewrite (/etc/systemd/system/service.d/10-x.conf is owned by uid 1500)');
  });

  it('attacker, after the plan: the drop-in dir handed to the job user and a link planted at the drop-in path: nothing written through the link', async () => {
    const p = await plan((t) => jenkinsAgent(t, { noSecretFile: true, unit: agentUnit({ exec: inline }) }));
    expect(p.plans.length).toBe(1);
    await t.file('/var/lib/jenkins/loot.conf', 'mine\n', { uid: 1500, gid: 1500, mode: 0o644 });
    await t.dir(`/etc/systemd/system/${UNIT}.d`, { mode: 0o755, uid: 1500, gid: 1500 });
    await t.symlink(DROP_IN, '/var/lib/jenkins/loot.conf');
    const r = await applyPlans(createHost({ root: t.root }), p.plans, state);
    expect(readFileSync(t.p('/var/lib/jenkins/loot.conf'), 'utf8')).toBe('mine\n');
    // The layer writes by name in the held parent: the link is replaced (a new root file, rename over it), never followed.
    const st = lstatSync(t.p(DROP_IN));
    if (st.isSymbolicLink()) expect(readlinkSync(t.p(DROP_IN))).toBe('/var/lib/jenkins/loot.conf');
    else expect([st.uid, readFileSync(t.p(DROP_IN), 'utf8').includes(`-secret @${FILE}`)]).toEqual([0, true]);
    expect(r.error ?? '').not.toContain(SECRET);
    const journal = await fsp.readFile(path.join(state, 'journal', r.runId, 'journal.json'), 'utf8');
    expect(journal).not.toContain(SECRET);
  });
});
