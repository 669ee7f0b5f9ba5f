import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { makeCliHost, removeCliHost } from '../helpers/cli-host.js';
import { FixtureTree } from '../helpers/fixture-tree.js';
import { treeHash } from '../helpers/remediation-cases.js';
import { unifiedDiff } from '../../agent/remediate/render.js';

const changedLines = (a: string, b: string) => unifiedDiff('a', 'b', a, b).split('\n').slice(2).filter((l) => /^[-+]/.test(l));
import { CONFIG_PATH, malformed, runner, runnerHost } from '../checks/runner/fixture.js';

/** A config.toml as a real runner host has it after a few years: two runners, comments, tabs. */
const REAL = `concurrent = 8
check_interval = 0
shutdown_timeout = 0

[session_server]
  session_timeout = 1800

`;

let bundle: string;
let t: FixtureTree;
let state: string;
let cfg: string;
beforeAll(async () => {
  ({ bundle, t, state, cfg } = await makeCliHost('rg-fix-state-'));
  await runnerHost(
    t,
    runner('build-docker', 'docker', '\t[runners.docker]\n\t\ttls_verify = false\n\t\timage = "docker:27"\n\t\tprivileged = true # docker:dind for image builds\n\t\tdisable_cache = false\n\t\tvolumes = [\n\t\t\t"/cache",\n\t\t\t# let jobs talk to the host daemon\n\t\t\t"/var/run/docker.sock:/var/run/docker.sock",\n\t\t]\n\t\tpull_policy = "if-not-present"\n\t\tshm_size = 0\n') +
      runner('shell-deploy', 'shell', '\t[runners.feature_flags]\n\t\tFF_ENABLE_JOB_CLEANUP = true\n') +
      // No sub-tables: the new [runners.feature_flags] lands next to its token, which the diff's context must not show.
      '[[runners]]\n\tname = "shell-legacy"\n\turl = "https://gitlab.example.com/"\n\ttoken = "glrt-shelllegacyTOKENTOKEN"\n\texecutor = "shell"\n',
    REAL,
  );
  await t.file(CONFIG_PATH, readFileSync(t.p(CONFIG_PATH)), { mode: 0o644 });
});
afterAll(() => removeCliHost({ bundle, t, state }));

describe('runnerguard fix and rollback (built bundle, fixture root)', () => {
  it('fix prints the plan with impacts and unified diffs, and changes nothing', async () => {
    const before = await treeHash(t.root);
    const r = await runCli(bundle, ['fix', '--root', t.root, '--config', cfg]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('RG-RUN-003: Set privileged = false');
    expect(r.stdout).toContain('impact: jobs that use Docker-in-Docker');
    expect(r.stdout).toContain('-\t\tprivileged = true # docker:dind for image builds\n');
    expect(r.stdout).toContain('+\t\tprivileged = false # docker:dind for image builds\n');
    expect(r.stdout).toContain('-\t\t\t"/var/run/docker.sock:/var/run/docker.sock",\n');
    expect(r.stdout).toContain('chmod 0600 /etc/gitlab-runner/config.toml');
    expect(r.stdout).toMatch(/nothing changed; apply with: runnerguard fix --apply RG-RUN-002 RG-RUN-003 RG-RUN-004 RG-RUN-005 RG-RUN-007/);
    expect(r.stdout).not.toContain('TOKENTOKEN');
    expect(r.stdout).toContain('  runner:shell-legacy: FF_ENABLE_JOB_CLEANUP = true in [runners.feature_flags]\n');
    expect(r.stdout).toContain('     \ttoken = "glrt-****"\n     \texecutor = "shell"\n    +\t[runners.feature_flags]\n    +\t\tFF_ENABLE_JOB_CLEANUP = true\n    (secrets masked)\n');
    expect(await treeHash(t.root)).toBe(before);
  });

  it('a plan writes nothing anywhere: a missing state dir stays missing, an untrusted one is still refused', async () => {
    const before = await treeHash(t.root);
    const plain = path.join(state, 'plan-only.toml');
    const missing = path.join(state, 'never-made', 'state');
    writeFileSync(plain, `[agent]\nstate_dir = "${missing}"\n`, { mode: 0o600 });
    const r = await runCli(bundle, ['fix', '--root', t.root, '--config', plain]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain('RG-RUN-003: Set privileged = false');
    expect(r.stdout).toContain(`nothing changed; apply with: runnerguard fix --apply RG-RUN-002 RG-RUN-003 RG-RUN-004 RG-RUN-005 RG-RUN-007 --config ${plain} --root ${t.root}\n`);
    expect(existsSync(path.dirname(missing))).toBe(false);
    expect(await treeHash(t.root)).toBe(before);
    // Attacker: the runner user made the state dir first (planted a journal, a lock). The plan refuses it, as --apply does.
    const planted = path.join(state, 'planted');
    mkdirSync(path.join(planted, 'journal'), { recursive: true });
    chownSync(planted, 999, 999);
    writeFileSync(plain, `[agent]\nstate_dir = "${planted}"\n`, { mode: 0o600 });
    const refused = await runCli(bundle, ['fix', '--root', t.root, '--config', plain]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`state_dir ${planted}: not trusted: ${planted} is owned by uid 999`);
    expect(refused.stdout).toBe('');
    expect(existsSync(path.join(planted, 'run.lock'))).toBe(false);
  });

  it('the undo hint repeats --config and --root as given, quoted, and works when run verbatim', async () => {
    const before = await treeHash(t.root);
    const dir = path.join(state, "odd dir's $(touch pwned)");
    mkdirSync(dir);
    const odd = path.join(dir, 'config.toml');
    writeFileSync(odd, `[agent]\nstate_dir = "${path.join(state, 'odd-state')}"\n`, { mode: 0o600 });
    const r = await runCli(bundle, ['fix', '--apply', 'RG-RUN-003', '--root', t.root, '--config', odd]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const hint = /\(undo: (.*)\)\n/.exec(r.stdout)![1]!;
    expect(hint).toMatch(new RegExp(`^runnerguard rollback \\S+ --config '${state}/odd dir'\\\\''s \\$\\(touch pwned\\)/config\\.toml' --root ${t.root}$`));
    expect(await treeHash(t.root)).not.toBe(before);
    // The hint as printed, pasted into a shell where `runnerguard` is this bundle.
    const sh = spawnSync('sh', ['-c', `runnerguard() { "$RG_NODE" "$RG_BUNDLE" "$@"; }\n${hint}`], { cwd: state, env: { PATH: process.env.PATH, RG_NODE: process.execPath, RG_BUNDLE: bundle }, encoding: 'utf8' });
    expect([sh.status, sh.stderr]).toEqual([0, '']);
    expect(sh.stdout).toMatch(/rolled back run \d{8}T/);
    expect(existsSync(path.join(state, 'pwned'))).toBe(false); // quoted: pasting the hint runs no command it names
    expect(await treeHash(t.root)).toBe(before);
  });

  it('--apply needs the ids named', async () => {
    const r = await runCli(bundle, ['fix', '--apply', '--root', t.root, '--config', cfg]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('fix --apply needs the remediations named');
  });

  it('fix --apply changes only the intended lines, re-checks, is idempotent, and rollback restores the tree', async () => {
    const before = await treeHash(t.root);
    const original = readFileSync(t.p(CONFIG_PATH), 'utf8');
    const r = await runCli(bundle, ['fix', '--apply', 'RG-RUN-002', 'RG-RUN-003', 'RG-RUN-004', 'RG-RUN-005', 'RG-RUN-007', '--root', t.root, '--config', cfg]);
    expect(r.stderr).toBe('');
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/applied as run (\d{8}T\d{6}Z-[0-9a-f]+)/);
    expect(r.stdout).toContain('re-check RG-RUN-003 runner:build-docker: pass');
    expect(r.stdout).toContain('re-check RG-RUN-002 /etc/gitlab-runner/config.toml: pass');
    const after = readFileSync(t.p(CONFIG_PATH), 'utf8');
    // The whole change, as diff -u0 shows it: nothing else in the file moved.
    expect(changedLines(original, after)).toEqual([
      '-\t\tprivileged = true # docker:dind for image builds',
      '+\t\tprivileged = false # docker:dind for image builds',
      '-\t\t\t"/var/run/docker.sock:/var/run/docker.sock",',
      '-\t\tpull_policy = "if-not-present"',
      '+\t\tpull_policy = ["always"]',
      '+\t[runners.feature_flags]',
      '+\t\tFF_ENABLE_JOB_CLEANUP = true',
      '+\t[runners.feature_flags]',
      '+\t\tFF_ENABLE_JOB_CLEANUP = true',
    ]);
    expect(r.stdout).not.toContain('TOKENTOKEN');
    const runId = /applied as run (\S+)/.exec(r.stdout)![1]!;
    const journal = readFileSync(path.join(state, 'state', 'journal', runId, 'journal.json'), 'utf8');
    expect(journal).toContain('FF_ENABLE_JOB_CLEANUP');
    expect(journal).not.toContain('TOKENTOKEN');
    writeFileSync(path.join(state, 'config.toml.diff'), unifiedDiff('config.toml.orig', 'config.toml', original, after));
    expect(statSync(t.p(CONFIG_PATH)).mode & 0o7777).toBe(0o600);

    const again = await runCli(bundle, ['fix', '--apply', 'RG-RUN-002', 'RG-RUN-003', 'RG-RUN-004', 'RG-RUN-005', 'RG-RUN-007', '--root', t.root, '--config', cfg]);
    expect(again.stdout).toContain('nothing to apply');
    expect(again.code).toBe(0);

    const rb = await runCli(bundle, ['rollback', '--root', t.root, '--config', cfg]);
    expect(rb.stderr).toBe('');
    expect(rb.code).toBe(0);
    expect(rb.stdout).toMatch(/rolled back run \d{8}T/);
    expect(await treeHash(t.root)).toBe(before);
    const none = await runCli(bundle, ['rollback', '--root', t.root, '--config', cfg]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no applied remediation run');
  });
});

describe('runnerguard fix when the check cannot decide (built bundle, malformed config.toml)', () => {
  it('plans nothing blind: the error is a refusal with its reason, --apply changes nothing and exits 1', async () => {
    const bad = await FixtureTree.create();
    try {
      await malformed.build(bad);
      const before = await treeHash(bad.root);
      const plan = await runCli(bundle, ['fix', 'RG-RUN-003', 'RG-RUN-002', '--root', bad.root, '--config', cfg]);
      expect(plan.code, plan.stderr).toBe(0);
      expect(plan.stdout).toMatch(/^ {2}\/etc\/gitlab-runner\/config\.toml: refused: the check could not decide \(\/etc\/gitlab-runner\/config\.toml:\d+: malformed TOML.*\): nothing is planned without a verdict$/m);
      expect(plan.stdout).toContain('RG-RUN-002: nothing to do (the check passes)\n');
      const apply = await runCli(bundle, ['fix', '--apply', 'RG-RUN-003', '--root', bad.root, '--config', cfg]);
      expect(apply.code).toBe(1);
      expect(apply.stdout).toContain('nothing to apply');
      expect(await treeHash(bad.root)).toBe(before);
    } finally {
      await bad.remove();
    }
  });
});
