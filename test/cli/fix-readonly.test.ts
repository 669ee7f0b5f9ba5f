import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_PATH, runner, runnerHost } from '../checks/runner/fixture.js';
import { buildBundle, runCli } from '../helpers/cli.js';
import { FixtureTree } from '../helpers/fixture-tree.js';
import { treeHash } from '../helpers/remediation-cases.js';

/**
 * A path that cannot be written (a read-only mount, as /etc is under the
 * shipped unit's ProtectSystem=strict): `fix --apply` fails cleanly and leaves
 * the host as it was, and a rollback that cannot undo a step says so, keeps
 * the run, and finishes once the path is writable again. The read-only /etc is
 * a real read-only bind mount in a private mount namespace (unshare -m).
 */
let bundle: string;
let t: FixtureTree;
let work: string;
let cfg: string;
let initial: string;

/** Runs the CLI with `dir` bind-mounted read-only over itself, in a mount namespace of its own. */
const readOnly = (dir: string) => ['unshare', '-m', '--propagation', 'private', 'sh', '-c', 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"', dir];

beforeAll(async () => {
  bundle = buildBundle();
  t = await FixtureTree.create();
  await runnerHost(t, runner('build-docker', 'docker', '\t[runners.docker]\n\t\timage = "alpine:3"\n\t\tprivileged = true\n'));
  await t.file(CONFIG_PATH, readFileSync(t.p(CONFIG_PATH)), { mode: 0o644 });
  work = mkdtempSync(path.join(os.tmpdir(), 'rg-fix-ro-'));
  cfg = path.join(work, 'config.toml');
  writeFileSync(cfg, `[agent]\nstate_dir = "${work}/state"\n`, { mode: 0o600 });
  initial = await treeHash(t.root);
});
afterAll(async () => {
  await t.remove();
  rmSync(work, { recursive: true, force: true });
  rmSync(path.dirname(bundle), { recursive: true, force: true });
});

describe('remediations against a read-only /etc (real bind mount, fixture root)', () => {
  it('fix --apply fails on the first step, undoes the run and says so: no internal error', async () => {
    const r = await runCli(bundle, ['fix', '--apply', 'RG-RUN-002', 'RG-RUN-003', '--root', t.root, '--config', cfg], { prefix: readOnly(t.p('/etc')) });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^failed: RG-RUN-002 \/etc\/gitlab-runner\/config.toml: .*read-only file system.*; 1 step\(s\) of this run undone$/m);
    expect(r.stdout).not.toContain('undoing');
    expect(await treeHash(t.root)).toBe(initial);
  });

  it('a rollback that cannot undo a step reports it, keeps the run, and a later rollback finishes it', async () => {
    const applied = await runCli(bundle, ['fix', '--apply', 'RG-RUN-002', 'RG-RUN-003', '--root', t.root, '--config', cfg]);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    const runId = /applied as run (\S+)/.exec(applied.stdout)![1]!;
    expect(statSync(t.p(CONFIG_PATH)).mode & 0o777).toBe(0o600);

    const stuck = await runCli(bundle, ['rollback', '--root', t.root, '--config', cfg], { prefix: readOnly(t.p('/etc')) });
    expect(stuck.code).toBe(1);
    expect(stuck.stderr).toMatch(/^runnerguard: could not undo RG-RUN-003 runner:build-docker: .*read-only file system/m);
    expect(stuck.stdout).toContain(`run ${runId} partly rolled back: fix the cause and run \`runnerguard rollback ${runId} --config ${cfg} --root ${t.root}\` again`);
    expect(await treeHash(t.root)).not.toBe(initial);

    // Writable again: the same run (found as the latest with steps left) rolls back completely.
    const done = await runCli(bundle, ['rollback', '--root', t.root, '--config', cfg]);
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    expect(done.stdout).toContain(`rolled back run ${runId}`);
    expect(await treeHash(t.root)).toBe(initial);
    const none = await runCli(bundle, ['rollback', '--root', t.root, '--config', cfg]);
    expect(none.code).toBe(1);
  });
});
