// Principle 4 of issue 11, through the built CLI as a real process: a state dir,
// journal, lock, config or credential file that uid 999 (the runner user) owns
// or can write, or reaches through a link it made, is refused with exit 2, the
// path and the reason, and nothing is read from it, written into it, or done.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle, runCli } from '../helpers/cli.js';
import { FixtureTree } from '../helpers/fixture-tree.js';
import { treeHash } from '../helpers/remediation-cases.js';
import { CONFIG_PATH, runner, runnerHost } from '../checks/runner/fixture.js';

const HINT = 'runnerguard uses it only when root owns it and every directory above it, and no other user can write them';
const SUDOERS = 'gitlab-runner ALL=(ALL) NOPASSWD: ALL\n';

let bundle: string;
let t: FixtureTree;
let work: string;
beforeAll(async () => {
  bundle = buildBundle();
  t = await FixtureTree.create();
  await runnerHost(t, runner('a', 'docker'));
  await t.file(CONFIG_PATH, await fsp.readFile(t.p(CONFIG_PATH)), { mode: 0o644 }); // RG-RUN-002 fails: a chmod to apply
  await t.dir('/etc/sudoers.d', { mode: 0o750 }); // where a forged journal's drop-in would land
});
afterAll(async () => {
  await t.remove();
  await fsp.rm(path.dirname(bundle), { recursive: true, force: true });
});
afterEach(async () => {
  if (work) await fsp.rm(work, { recursive: true, force: true });
});

/** A root 0700 work dir under /tmp, a config there naming `state` (and `extra`). */
async function setup(extra = ''): Promise<{ cfg: string; state: string }> {
  work = await fsp.mkdtemp(path.join(os.tmpdir(), 'rg-trust-cli-'));
  const state = path.join(work, 'state');
  const cfg = path.join(work, 'config.toml');
  await fsp.writeFile(cfg, `[agent]\nstate_dir = "${state}"\nlock_wait_ms = 600000\n${extra}`, { mode: 0o600 });
  return { cfg, state };
}

async function chownR(p: string, uid: number): Promise<void> {
  const st = await fsp.lstat(p);
  await fsp.lchown(p, uid, uid);
  if (st.isDirectory()) for (const n of await fsp.readdir(p)) await chownR(path.join(p, n), uid);
}

/** A journal as a job would forge it: rolling it back writes a sudoers drop-in giving the runner user root. */
async function forgeJournal(state: string, root: string): Promise<string> {
  const runId = '20260101T000000Z-abcdef';
  const dir = path.join(state, 'journal', runId);
  await fsp.mkdir(path.join(dir, 'blobs'), { recursive: true });
  const hash = createHash('sha256').update(SUDOERS).digest('hex');
  await fsp.writeFile(path.join(dir, 'blobs', hash), SUDOERS);
  const target = '/etc/sudoers.d/runner';
  const doc = {
    schema: 'runnerguard/journal@1',
    runId,
    root,
    startedAt: new Date().toISOString(),
    status: 'applied',
    entries: [
      {
        seq: 1,
        remediation: 'RG-RUN-002',
        subject: target,
        step: { op: 'chmod', path: target, mode: 0o440 },
        before: { kind: 'paths', snapshots: [{ path: target, exists: true, kind: 'file', mode: 0o440, uid: 0, gid: 0, sha256: hash }] },
        state: 'applied',
      },
    ],
  };
  await fsp.writeFile(path.join(dir, 'journal.json'), JSON.stringify(doc));
  return runId;
}

const cli = (args: string[]) => runCli(bundle, args, { timeoutMs: 30_000 });

describe('a state dir runnerguard does not control is refused (exit 2, the path and the reason)', () => {
  it('owned by uid 999: run, deliver, fix, fix --apply, rollback and daemon all exit 2; nothing is written into it, nothing is fixed', async () => {
    const { cfg, state } = await setup('[report]\nurl = "http://127.0.0.1:9/v1/reports"\n');
    await fsp.mkdir(state, { mode: 0o700 });
    await fsp.chown(state, 999, 999);
    const before = await treeHash(t.root);
    const want = `runnerguard: state_dir ${state}: not trusted: ${state} is owned by uid 999 (mode 0700); ${HINT}\n`;
    for (const args of [
      ['run', '--root', t.root],
      ['deliver'],
      ['fix', '--root', t.root],
      ['fix', '--apply', 'RG-RUN-002', '--root', t.root],
      ['rollback', '--root', t.root],
      ['daemon', '--root', t.root],
    ]) {
      const r = await cli([...args, '--config', cfg]);
      expect([r.code, r.stderr, r.stdout], args.join(' ')).toEqual([2, want, '']);
    }
    expect(await fsp.readdir(state)).toEqual([]);
    const st = await fsp.stat(state);
    expect([st.uid, st.mode & 0o7777]).toEqual([999, 0o700]); // refused, never "fixed" silently
    expect(await treeHash(t.root)).toBe(before);
  });

  it('group-writable (root 0770): refused with the mode', async () => {
    const { cfg, state } = await setup();
    await fsp.mkdir(state, { mode: 0o770 });
    await fsp.chmod(state, 0o770);
    for (const cmd of ['run', 'rollback']) {
      const r = await cli([cmd, '--root', t.root, '--config', cfg]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`runnerguard: state_dir ${state}: not trusted: ${state} is writable by group (mode 0770); ${HINT}\n`);
    }
    expect(await fsp.readdir(state)).toEqual([]);
  });

  it('under a dir uid 999 owns (it could swap the state dir at any time): refused, naming that dir', async () => {
    const { cfg } = await setup();
    const theirs = path.join(work, 'theirs');
    await fsp.mkdir(path.join(theirs, 'state'), { recursive: true, mode: 0o700 });
    await fsp.chown(theirs, 999, 999);
    await fsp.writeFile(cfg, `[agent]\nstate_dir = "${theirs}/state"\n`);
    const r = await cli(['run', '--root', t.root, '--config', cfg]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`state_dir ${theirs}/state: not trusted: ${theirs} is owned by uid 999 (mode 0700)`);
  });

  it('the spool dir swapped for a link: refused, and nothing lands where it points', async () => {
    const { cfg, state } = await setup();
    await fsp.mkdir(state, { mode: 0o700 });
    const elsewhere = path.join(work, 'elsewhere');
    await fsp.mkdir(elsewhere, { mode: 0o700 });
    await fsp.chown(elsewhere, 999, 999);
    // A link the runner user made...
    await fsp.symlink(elsewhere, path.join(state, 'spool'));
    await fsp.lchown(path.join(state, 'spool'), 999, 999);
    const r = await cli(['run', '--root', t.root, '--config', cfg]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`runnerguard: spool ${state}/spool: not trusted: ${state}/spool is a symlink owned by uid 999; ${HINT}\n`);
    // ...and a root-owned link to a dir the runner user owns: the target is named.
    await fsp.lchown(path.join(state, 'spool'), 0, 0);
    const r2 = await cli(['run', '--root', t.root, '--config', cfg]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain(`spool ${state}/spool: not trusted: ${elsewhere} is owned by uid 999 (mode 0700)`);
    expect(await fsp.readdir(elsewhere)).toEqual([]);
    expect((await fsp.readdir(state)).sort()).toEqual(['spool']); // no lock, no last report
  });

  it('a sticky root-owned /tmp-like dir above the state dir and the config is accepted; the state dir is made 0700 root', async () => {
    await setup();
    const sticky = path.join(work, 'tmp-like');
    await fsp.mkdir(sticky);
    await fsp.chmod(sticky, 0o1777);
    const cfg = path.join(sticky, 'config.toml');
    await fsp.writeFile(cfg, `[agent]\nstate_dir = "${sticky}/rg-state"\n`, { mode: 0o600 });
    const r = await cli(['run', '--root', t.root, '--config', cfg]);
    expect([0, 1], r.stderr).toContain(r.code);
    const st = await fsp.stat(path.join(sticky, 'rg-state'));
    expect([st.uid, st.mode & 0o7777]).toEqual([0, 0o700]);
    expect(await fsp.readdir(path.join(sticky, 'rg-state'))).toContain('last-report.json');
    expect((await cli(['config', 'check', '--config', cfg])).stdout).toBe(`${cfg}: ok\n`);
  });
});

describe('rollback never acts on a journal someone else could write', () => {
  it('a journal forged in a state dir uid 999 made: exit 2, no sudoers drop-in, the target tree unchanged', async () => {
    const { cfg, state } = await setup();
    await fsp.mkdir(state, { mode: 0o700 });
    const runId = await forgeJournal(state, t.root);
    await chownR(state, 999);
    const before = await treeHash(t.root);
    for (const args of [['rollback'], ['rollback', runId]]) {
      const r = await cli([...args, '--root', t.root, '--config', cfg]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`runnerguard: state_dir ${state}: not trusted: ${state} is owned by uid 999 (mode 0700); ${HINT}\n`);
    }
    expect(await treeHash(t.root)).toBe(before);
    await expect(fsp.lstat(t.p('/etc/sudoers.d/runner'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a forged run dir inside root\'s state dir (journal/<id> owned by 999): exit 2 naming it, the tree unchanged', async () => {
    const { cfg, state } = await setup();
    await fsp.mkdir(state, { mode: 0o700 });
    const runId = await forgeJournal(state, t.root);
    await chownR(path.join(state, 'journal', runId), 999);
    const before = await treeHash(t.root);
    const runDir = path.join(state, 'journal', runId);
    for (const args of [['rollback'], ['rollback', runId]]) {
      const r = await cli([...args, '--root', t.root, '--config', cfg]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`runnerguard: journal ${runDir}/journal.json: not trusted: ${runDir} is owned by uid 999 (mode 0755); ${HINT}\n`);
    }
    expect(await treeHash(t.root)).toBe(before);
  });

  it('a real journal: honoured while root\'s, refused (and the tree left alone) once uid 999 owns a copy of it', async () => {
    const { cfg, state } = await setup();
    const pristine = await treeHash(t.root);
    const fix = await cli(['fix', '--apply', 'RG-RUN-002', '--root', t.root, '--config', cfg]);
    expect(fix.code, fix.stdout + fix.stderr).toBe(0);
    const applied = await treeHash(t.root);
    expect(applied).not.toBe(pristine);
    // The same journal in a state dir the runner user owns.
    const theirs = path.join(work, 'their-state');
    await fsp.cp(state, theirs, { recursive: true });
    await chownR(theirs, 999);
    const cfg2 = path.join(work, 'their.toml');
    await fsp.writeFile(cfg2, `[agent]\nstate_dir = "${theirs}"\n`, { mode: 0o600 });
    const refused = await cli(['rollback', '--root', t.root, '--config', cfg2]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`state_dir ${theirs}: not trusted: ${theirs} is owned by uid 999`);
    expect(await treeHash(t.root)).toBe(applied);
    // Root's own journal still rolls back: the refusal is about who controls it, not about journals.
    const rb = await cli(['rollback', '--root', t.root, '--config', cfg]);
    expect(rb.code, rb.stderr).toBe(0);
    expect(await treeHash(t.root)).toBe(pristine);
  });
});

describe('run.lock', () => {
  it('planted by uid 999 beside a live process: exit 2 at once with the reason, no endless wait (lock_wait_ms is 10 minutes)', async () => {
    const { cfg, state } = await setup();
    await fsp.mkdir(state, { mode: 0o700 });
    const holder = spawn('sleep', ['60']);
    try {
      const stat = await fsp.readFile(`/proc/${holder.pid}/stat`, 'utf8');
      const started = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
      const lock = path.join(state, 'run.lock');
      await fsp.writeFile(lock, `${holder.pid} ${started} runnerguard run`);
      await fsp.chown(lock, 999, 999);
      for (const args of [['run', '--root', t.root], ['fix', '--root', t.root], ['rollback', '--root', t.root]]) {
        const r = await cli([...args, '--config', cfg]);
        expect([r.code, r.stderr]).toEqual([2, `runnerguard: run.lock ${lock}: not trusted: ${lock} is owned by uid 999 (mode 0644); ${HINT}\n`]);
      }
      expect((await fsp.stat(lock)).uid).toBe(999); // left for a person to look at
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('in root\'s state dir, even 0755 under a sticky /tmp-like dir, uid 999 cannot plant a lock or a link: the run goes ahead', async () => {
    await setup();
    await fsp.chmod(work, 0o755);
    const sticky = path.join(work, 'tmp-like');
    await fsp.mkdir(sticky);
    await fsp.chmod(sticky, 0o1777);
    const state = path.join(sticky, 'rg-state');
    await fsp.mkdir(state, { mode: 0o755 });
    const cfg = path.join(work, 'sticky.toml');
    await fsp.writeFile(cfg, `[agent]\nstate_dir = "${state}"\nlock_wait_ms = 600000\n`, { mode: 0o600 });
    const as999 = (...argv: string[]) => spawnSync('setpriv', ['--reuid=999', '--regid=999', '--clear-groups', ...argv], { encoding: 'utf8' });
    for (const argv of [['touch', `${state}/run.lock`], ['ln', '-s', '/etc/shadow', `${state}/run.lock`], ['mv', state, `${sticky}/moved`], ['rm', '-rf', state]]) {
      const r = as999(...argv);
      expect(r.status, argv.join(' ')).not.toBe(0);
      expect(r.stderr).toMatch(/Permission denied|Operation not permitted/);
    }
    const r = await cli(['run', '--root', t.root, '--config', cfg]);
    expect([0, 1], r.stderr).toContain(r.code);
    expect(await fsp.readdir(state)).not.toContain('run.lock'); // released
  });

  it('in a state dir uid 999 owns: exit 2 for the state dir, not a wait on its lock', async () => {
    const { cfg, state } = await setup();
    await fsp.mkdir(state, { mode: 0o700 });
    await fsp.writeFile(path.join(state, 'run.lock'), `1 0 runnerguard run`);
    await chownR(state, 999);
    const r = await cli(['run', '--root', t.root, '--config', cfg]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`state_dir ${state}: not trusted: ${state} is owned by uid 999 (mode 0700)`);
  });
});

describe('credential files and the config file', () => {
  it('token_file in a dir uid 999 owns: run and deliver exit 2 before anything is read or sent', async () => {
    const { cfg, state } = await setup();
    const dir = path.join(work, 'creds');
    await fsp.mkdir(dir, { mode: 0o755 });
    await fsp.writeFile(path.join(dir, 'token'), 'secret-token\n', { mode: 0o600 });
    await fsp.chown(dir, 999, 999);
    await fsp.appendFile(cfg, `[report]\nurl = "http://127.0.0.1:9/v1/reports"\ntoken_file = "${dir}/token"\n`);
    for (const args of [['run', '--root', t.root], ['deliver']]) {
      const r = await cli([...args, '--config', cfg]);
      expect([r.code, r.stderr]).toEqual([2, `runnerguard: token_file ${dir}/token: not trusted: ${dir} is owned by uid 999 (mode 0755); ${HINT}\n`]);
    }
    await expect(fsp.lstat(state)).rejects.toMatchObject({ code: 'ENOENT' }); // refused before the state dir was even made
  });

  it('config check lists every path it would refuse, with the path and the reason (exit 2)', async () => {
    const { cfg, state } = await setup();
    await fsp.mkdir(state, { mode: 0o700 });
    await fsp.chown(state, 999, 999);
    const ca = path.join(work, 'ca.pem');
    await fsp.writeFile(ca, 'PEM', { mode: 0o644 });
    await fsp.chown(ca, 999, 999);
    const dir = path.join(work, 'creds');
    await fsp.mkdir(dir, { mode: 0o755 });
    await fsp.chown(dir, 999, 999);
    const cert = path.join(work, 'client.crt');
    await fsp.writeFile(cert, 'PEM', { mode: 0o644 });
    const key = path.join(work, 'client.key');
    await fsp.writeFile(key, 'KEY', { mode: 0o600 });
    await fsp.chmod(key, 0o620);
    await fsp.appendFile(cfg, `[report]\nurl = "https://127.0.0.1:9/v1/reports"\ntoken_file = "${dir}/token"\nca_file = "${ca}"\ncert_file = "${cert}"\nkey_file = "${key}"\n`);
    const r = await cli(['config', 'check', '--config', cfg]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe(
      `${cfg}: valid, but 4 path(s) it names would be refused (run, deliver, fix, rollback and daemon exit 2):\n` +
        // Each at the line of the key that named it: [agent] state_dir, [report] token_file, ca_file, key_file.
        `  error: ${cfg}:2: state_dir ${state}: not trusted: ${state} is owned by uid 999 (mode 0700)\n` +
        `  error: ${cfg}:6: token_file ${dir}/token: not trusted: ${dir} is owned by uid 999 (mode 0755)\n` +
        `  error: ${cfg}:7: ca_file ${ca}: not trusted: ${ca} is owned by uid 999 (mode 0644)\n` +
        `  error: ${cfg}:9: key_file ${key}: not trusted: ${key} is writable by group (mode 0620)\n` +
        'runnerguard uses these only when root owns them and every directory above them, and no other user can write them\n',
    );
    // What the state dir holds is judged too, once the state dir itself is root's.
    await fsp.chown(state, 0, 0);
    await fsp.mkdir(path.join(state, 'journal'));
    await fsp.chown(path.join(state, 'journal'), 999, 999);
    const r2 = await cli(['config', 'check', '--config', cfg]);
    // What the state dir holds is named by state_dir's line.
    expect(r2.stdout).toContain(`  error: ${cfg}:2: journal ${state}/journal: not trusted: ${state}/journal is owned by uid 999 (mode 0755)\n`);
    expect(r2.stdout).not.toContain(`error: state_dir`);
  });

  it('a config file in a dir uid 999 owns is refused by every command, config check included', async () => {
    await setup();
    const dir = path.join(work, 'etc-rg');
    await fsp.mkdir(dir, { mode: 0o755 });
    const cfg = path.join(dir, 'config.toml');
    await fsp.writeFile(cfg, '[agent]\n', { mode: 0o600 });
    await fsp.chown(dir, 999, 999);
    for (const args of [['config', 'check'], ['audit', '--root', t.root]]) {
      const r = await cli([...args, '--config', cfg]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`runnerguard: ${cfg}: refused: ${dir} is owned by uid 999 (mode 0755)`);
      expect(r.stdout).toBe('');
    }
    // A root link in a root dir to it: the same refusal, naming the dir behind the link.
    await fsp.symlink(cfg, path.join(work, 'link.toml'));
    const r = await cli(['config', 'check', '--config', path.join(work, 'link.toml')]);
    expect(r.stderr).toContain(`refused: ${dir} is owned by uid 999 (mode 0755)`);
  });
});
