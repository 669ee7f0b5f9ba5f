/**
 * Issue 11, "a job can hide things that then PASS silently": names that are
 * not UTF-8, paths deeper than PATH_MAX, a builds dir that cannot be
 * reached, a scan that runs out of time. Real files owned by the runner
 * user (uid 999), real byte names, a real timeout.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, closeSync, constants, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../agent/config/load.js';
import { defaultConfig, type AgentConfig } from '../../agent/config/schema.js';
import { runAudit } from '../../agent/engine/run-checks.js';
import type { Finding } from '../../agent/engine/types.js';
import { createHost } from '../../agent/host/index.js';
import { planRemediations } from '../../agent/remediate/plan.js';
import { walkActivity } from '../../agent/util/walk.js';
import credentialFiles from '../../checks/build/credential-files.js';
import leftoverDirs from '../../checks/build/leftover-dirs.js';
import { checkOptionSchemas } from '../../checks/index.js';
import strayKeys from '../../checks/ssh/stray-private-keys.js';
import { remediationFor } from '../../remediations/index.js';
import { buildBundle, runCli } from '../helpers/cli.js';
import { FixtureTree, gitlabRunnerUnit } from '../helpers/fixture-tree.js';
import ghCredentials from '../../checks/github/credentials-private.js';
import { actionsRunner, DIR as GH_DIR, SUBJECT as GH_SUBJECT } from './github/fixture.js';
import { key } from './ssh/fixture.js';

const RUNNER = { uid: 999, gid: 999 };
const HOME = '/home/gitlab-runner';
const BUILDS = `${HOME}/builds`;
const CRED_CONFIG = '[remote "origin"]\n\turl = https://gitlab-ci-token:glcbt-64_HIDDENHIDDEN0001@gitlab.example.com/g/p.git\n';
const BAD = Buffer.from([0xff, 0xfe]);

let t: FixtureTree;
beforeEach(async () => {
  t = await FixtureTree.create();
  await t.dir('/home', { mode: 0o755 });
  await t.dir('/root', { mode: 0o700 });
  await t.dir('/tmp', { mode: 0o1777 });
  await t.useradd('gitlab-runner', { uid: 999 });
  await t.dir(HOME, { mode: 0o755, ...RUNNER });
  await t.file('/usr/bin/gitlab-runner', '#!/bin/sh\n', { mode: 0o755 });
  await t.unit('gitlab-runner.service', gitlabRunnerUnit({ config: '/etc/gitlab-runner/config.toml', userArg: 'gitlab-runner' }));
  await t.file('/etc/gitlab-runner/config.toml', '[[runners]]\n  name = "shell-1"\n  executor = "shell"\n', { mode: 0o600 });
  await t.dir(BUILDS, { mode: 0o755, ...RUNNER });
});
afterEach(async () => {
  // Node's recursive rm builds full paths: a tree deeper than PATH_MAX needs coreutils' rm (openat).
  execFileSync('rm', ['-rf', '--one-file-system', t.root]);
});

/** mkdir -p of byte names under a target dir, each made and chowned as the runner user's. */
function mkdirBytes(target: string, ...names: Buffer[]): Buffer {
  let p = Buffer.from(t.p(target));
  for (const n of names) {
    p = Buffer.concat([p, Buffer.from('/'), n]);
    mkdirSync(p, { recursive: true });
    chownSync(p, RUNNER.uid, RUNNER.gid);
  }
  return p;
}

function writeBytes(dir: Buffer, name: string, content: string | Buffer): void {
  const p = Buffer.concat([dir, Buffer.from(`/${name}`)]);
  writeFileSync(p, content, { mode: 0o600 });
  chownSync(p, RUNNER.uid, RUNNER.gid);
}

async function audit(checks = [strayKeys, credentialFiles, leftoverDirs], config: AgentConfig = defaultConfig()): Promise<Finding[]> {
  return (await runAudit({ host: createHost({ root: t.root }), config, checks })).findings;
}

const of = (fs: Finding[], id: string) => fs.filter((f) => f.check === id);

describe('names that are not UTF-8 are scanned and shown escaped', () => {
  it('a private key under builds/x/\\xff\\xfe/ makes RG-SSH-001 fail, and the remediation refuses the escaped path', async () => {
    const dir = mkdirBytes(BUILDS, Buffer.from('x'), BAD);
    writeBytes(dir, 'id_ed25519', key('ed25519'));
    const findings = of(await audit([strayKeys]), 'RG-SSH-001');
    const fail = findings.find((f) => f.status === 'fail');
    expect(fail?.subject).toBe(`${BUILDS}/x/\\xff\\xfe/id_ed25519`);
    expect(findings.some((f) => f.status === 'pass')).toBe(false);
    // The shown path is not the file's name: nothing may be done to it through that string.
    const { planned } = await planRemediations({ host: createHost({ root: t.root }), config: defaultConfig(), checks: [strayKeys], remediations: [remediationFor('RG-SSH-001')!], stateDir: t.p('/var/lib/runnerguard') });
    expect(planned[0]!.plans).toEqual([]);
    expect(planned[0]!.refusals.map((r) => r.reason)).toEqual([expect.stringMatching(/bytes that are not UTF-8/)]);
  });

  it('a .git/config with credentials under a dir with an invalid-UTF-8 name makes RG-BUILD-002 fail', async () => {
    const git = mkdirBytes(BUILDS, Buffer.from('tok'), Buffer.from('0'), Buffer.concat([Buffer.from('gr'), Buffer.from([0xc3, 0x28]), Buffer.from('up')]), Buffer.from('p'), Buffer.from('.git'));
    writeBytes(git, 'config', CRED_CONFIG);
    const findings = of(await audit([credentialFiles]), 'RG-BUILD-002');
    expect(findings).toMatchObject([{ status: 'fail', subject: `${BUILDS}/tok/0/gr\\xc3(up/p/.git/config` }]);
    expect(findings[0]!.message).toMatch(/git remote URL with embedded credentials/);
    const { planned } = await planRemediations({ host: createHost({ root: t.root }), config: defaultConfig(), checks: [credentialFiles], remediations: [remediationFor('RG-BUILD-002')!], stateDir: t.p('/var/lib/runnerguard') });
    expect(planned[0]!.plans).toEqual([]);
    expect(planned[0]!.refusals).toMatchObject([{ subject: `${BUILDS}/tok/0/gr\\xc3(up/p/.git/config`, reason: expect.stringMatching(/bytes that are not UTF-8/) }]);
  });
});

describe('paths deeper than PATH_MAX', () => {
  it('a key at depth > 4096 bytes is found', async () => {
    // 25 levels of 200-byte names: 5,000+ bytes below the builds dir, made relative to open dirs as a job would (cd; mkdir).
    let fd = openSync(t.p(BUILDS), constants.O_RDONLY | constants.O_DIRECTORY);
    const name = 'd'.repeat(200);
    for (let i = 0; i < 25; i++) {
      const p = `/proc/self/fd/${fd}/${name}`;
      mkdirSync(p);
      chownSync(p, RUNNER.uid, RUNNER.gid);
      const next = openSync(p, constants.O_RDONLY | constants.O_DIRECTORY);
      closeSync(fd);
      fd = next;
    }
    writeFileSync(`/proc/self/fd/${fd}/id_rsa`, key('rsa-pem'), { mode: 0o600 });
    closeSync(fd);
    const findings = of(await audit([strayKeys]), 'RG-SSH-001');
    const fail = findings.filter((f) => f.status === 'fail');
    expect(fail).toHaveLength(1);
    expect(Buffer.byteLength(fail[0]!.subject)).toBeGreaterThan(5000);
    expect(fail[0]!.subject.endsWith(`/${name}/id_rsa`)).toBe(true);
    expect(findings.filter((f) => f.status === 'warn')).toEqual([]); // nothing left unseen
  });
});

describe('what cannot be reached is never absent', () => {
  it('a builds dir the job turned into a link loop: RG-BUILD-001/002 warn, not "no builds dir exists yet"', async () => {
    await t.symlink(`${HOME}/loop-a`, `${HOME}/loop-b`);
    await t.symlink(`${HOME}/loop-b`, `${HOME}/loop-a`);
    execFileSync('rm', ['-rf', t.p(BUILDS)]);
    await t.symlink(BUILDS, `${HOME}/loop-a`);
    const findings = await audit([credentialFiles, leftoverDirs]);
    for (const id of ['RG-BUILD-001', 'RG-BUILD-002']) {
      const mine = of(findings, id);
      expect(mine.map((f) => f.status), id).toEqual(['warn']);
      expect(mine[0]!.subject).toBe(BUILDS);
      expect(mine[0]!.message).toMatch(/could not be scanned.*too many levels of symbolic links/);
    }
  });
});

describe('an unreadable runner home (a real EACCES: root without CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH)', () => {
  let bundle: string;
  beforeAll(() => {
    bundle = buildBundle();
  });

  it('chmod 000 on the 999-owned home gives warn naming it, never "no builds dir exists yet" or a pass', async () => {
    await t.file(`${BUILDS}/tok/0/g/p/.git/config`, CRED_CONFIG, RUNNER);
    await t.dir(HOME, { mode: 0o000, ...RUNNER });
    // The packaged unit may drop these capabilities; then root meets modes like anyone else.
    const prefix = ['setpriv', '--bounding-set', '-dac_override,-dac_read_search', '--inh-caps', '-dac_override,-dac_read_search', '--'];
    const r = await runCli(bundle, ['audit', '--root', t.root, '--only', 'RG-BUILD-001,RG-BUILD-002,RG-SSH-001', '--format', 'json'], { prefix });
    const report = JSON.parse(r.stdout) as { findings: Finding[] };
    const byCheck = (id: string) => of(report.findings, id);
    for (const id of ['RG-BUILD-001', 'RG-BUILD-002']) {
      // The shell runner's builds and cache dirs are both in the home.
      expect(byCheck(id).map((f) => [f.status, f.subject]), id).toEqual([['warn', BUILDS], ['warn', `${HOME}/cache`]]);
      expect(byCheck(id)[0]!.message, id).toMatch(/could not be scanned.*permission denied/);
    }
    const ssh = byCheck('RG-SSH-001');
    expect(ssh.some((f) => f.status === 'pass')).toBe(false);
    expect(ssh.find((f) => f.status === 'warn')?.evidence.join('\n')).toMatch(new RegExp(`${HOME} \\(EACCES\\)`));
  });
});

describe('a check timeout stops the walk', () => {
  it('a huge tree and a tiny check_timeout_ms: error naming the timeout, and no dir is opened after it', async () => {
    // 20 x 500 dirs: far more than a walk gets through in the budget below.
    for (let i = 0; i < 20; i++) {
      mkdirSync(t.p(`${BUILDS}/t/${i}`), { recursive: true });
      for (let j = 0; j < 500; j++) mkdirSync(t.p(`${BUILDS}/t/${i}/${j}`));
    }
    const config = parseConfig('[agent]\ncheck_timeout_ms = 2\n', 'case.toml', checkOptionSchemas());
    const before = walkActivity.dirsOpened;
    const findings = await audit([credentialFiles], config);
    expect(findings).toMatchObject([{ check: 'RG-BUILD-002', status: 'error', subject: 'check', message: expect.stringMatching(/^timed out after 16 ms and was stopped: not everything was seen/) }]);
    // The walk stopped: nothing opens dirs any more (its own count), and it had not got through the tree.
    const atReport = walkActivity.dirsOpened;
    for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 10));
    expect(walkActivity.dirsOpened).toBe(atReport);
    expect(atReport - before).toBeLessThan(10_000);
  });
});

describe('Actions runner files that cannot be read are not missing', () => {
  it('a .credentials turned into a link loop: RG-GHA-003 errors naming it, not "not registered"', async () => {
    await actionsRunner(t);
    execFileSync('rm', ['-f', t.p(`${GH_DIR}/.credentials`), t.p(`${GH_DIR}/.credentials_rsaparams`)]);
    await t.symlink(`${GH_DIR}/.credentials`, `${GH_DIR}/.credentials`);
    const findings = of(await audit([ghCredentials]), 'RG-GHA-003');
    expect(findings).toMatchObject([{ status: 'error', subject: GH_SUBJECT, message: expect.stringMatching(/could not be checked: .*\.credentials: has too many levels of symbolic links/) }]);
  });

  it('an unreadable .runner hides the work folder: the build checks say only the default was looked at', async () => {
    await actionsRunner(t, { runner: null });
    await t.symlink(`${GH_DIR}/.runner`, `${GH_DIR}/.runner`);
    const findings = await audit([credentialFiles, leftoverDirs]);
    for (const id of ['RG-BUILD-001', 'RG-BUILD-002']) {
      expect(of(findings, id).find((f) => f.subject === GH_SUBJECT), id).toMatchObject({ status: 'error', message: expect.stringMatching(/^work folder unknown \(only .*_work was looked at\)/) });
      expect(of(findings, id).some((f) => f.status === 'pass' && f.subject.includes(GH_DIR)), id).toBe(false);
    }
  });
});
