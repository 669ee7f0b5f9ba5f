/**
 * The build scan in worker threads (agent/facts/scan-pool.ts): job dirs of
 * the GitLab layout are handed, as the handle the scan's walk holds, to
 * real worker threads that walk them while the scan goes on. What the
 * checks see must be the same whatever the number of threads; a job
 * swapping a handed dir for a link gets nothing read for it; a thread that
 * dies leaves its job dirs reported as not scanned, never as clean; a
 * stopped scan leaves no handle open.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, constants, fstatSync, openSync, promises as fsp, readdirSync, readlinkSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../agent/config/schema.js';
import { runAudit } from '../../agent/engine/run-checks.js';
import type { Finding } from '../../agent/engine/types.js';
import { createHost } from '../../agent/host/index.js';
import { cgroupCpus, ScanPool, scanPoolActivity, scanPoolTesting, scanWorkers } from '../../agent/facts/scan-pool.js';
import type { TreeScanResult } from '../../agent/facts/tree-scan.js';
import { walk, type ListedDir } from '../../agent/util/walk.js';
import credentialFiles from '../../checks/build/credential-files.js';
import leftoverDirs from '../../checks/build/leftover-dirs.js';
import { startRacer, type Racer } from '../helpers/attack.js';
import { ageTree, FixtureTree, jobCheckout, shellRunnerHost } from '../helpers/fixture-tree.js';

const BUILDS = '/home/gitlab-runner/builds';
const JOB = { uid: 999, gid: 999 };
const SECRET_TOKEN = 'glpat-ROOTONLYSECRET0002';
const PROJECTS = 40;

async function runnerHost(): Promise<FixtureTree> {
  const t = await FixtureTree.create('rg-pool-');
  await shellRunnerHost(t);
  await t.file('/srv/secret/.git/config', `[remote "origin"]\n\turl = https://root:${SECRET_TOKEN}@git.example.com/x.git\n`, { mode: 0o600 });
  await t.file('/srv/secret/.git/HEAD', 'ref: refs/heads/main\n', { mode: 0o600 });
  return t;
}

/** This process's open fds that point into `root`. */
function handlesInto(root: string): string[] {
  const out: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(root)) out.push(`${fd} -> ${target}`);
    } catch {
      /* closed meanwhile (the readdir's own) */
    }
  }
  return out;
}

/** Dirs enough that each job dir is some work: parts handed out are still being walked when the next are offered. */
async function manyDirs(t: FixtureTree, dir: string, n: number): Promise<void> {
  for (let d = 0; d < n; d++) await fsp.mkdir(t.p(`${dir}/d${d}/e`), { recursive: true });
}

/**
 * The two build-dir checks, with the scan given `threads` threads, started
 * before its walk: on a loaded machine a worker could otherwise start after
 * a tree this small is walked, and nothing would be shared.
 */
async function audit(t: FixtureTree, threads: number): Promise<Finding[]> {
  const config = defaultConfig();
  config.agent.scan_threads = threads;
  scanPoolTesting.warmFirst = true;
  try {
    const report = await runAudit({ host: createHost({ root: t.root }), config, checks: [leftoverDirs, credentialFiles] });
    return report.findings;
  } finally {
    scanPoolTesting.warmFirst = false;
  }
}

/** Findings with evidence lines sorted: which of many a sample kept first may differ between threads, not what it says. */
const comparable = (fs: Finding[]) => fs.map((f) => ({ check: f.check, subject: f.subject, status: f.status, message: f.message, evidence: [...f.evidence].sort() }));

describe('build scan in worker threads', () => {
  let t: FixtureTree;
  const mounts: string[] = [];
  beforeAll(async () => {
    t = await runnerHost();
    for (let i = 0; i < PROJECTS; i++) {
      const dir = `${BUILDS}/t0k${i % 3}/${i % 2}/group${i % 5}/project${i}`;
      // Every fourth a leak in its remote, every seventh a .netrc beside its sources.
      await jobCheckout(t, dir, { remote: i % 4 === 0 ? `https://gitlab-ci-token:glcbt-64_leak${i}xxxxxxxxxxxxxxxx@gitlab.example.com/g/p${i}.git` : undefined });
      if (i % 7 === 0) await t.file(`${dir}/.netrc`, `machine gitlab.example.com login ci password glpat-netrc${i}xxxxxxxxxxxx\n`);
      if (i % 9 === 0) await jobCheckout(t, `${dir}/vendor/lib`); // a nested repo: part of its job
      await manyDirs(t, `${dir}/src`, 60);
    }
    // A group too big to go whole (more than 64 entries): shared out by name, its own .netrc the scan's alone.
    for (let i = 0; i < 70; i++) await jobCheckout(t, `${BUILDS}/t0k0/1/big/p${i}`, { remote: i % 10 === 0 ? `https://oauth2:glpat-big${i}xxxxxxxxxxxxxxxx@gitlab.example.com/g/p.git` : undefined });
    await t.file(`${BUILDS}/t0k0/1/big/.netrc`, 'machine gitlab.example.com login ci password glpat-bignetrcxxxxxxxxxxxx\n');
    // A job dir named by bytes that are not UTF-8, a link to the secret, a job dir of the other kind (no .git, a .tmp sibling).
    await jobCheckout(t, `${BUILDS}/t0k0/0/group0/caf\u00e9`);
    await fsp.rename(t.p(`${BUILDS}/t0k0/0/group0/caf\u00e9`), Buffer.from(`${t.p(`${BUILDS}/t0k0/0/group0/`)}caf\xe9`, 'latin1'));
    await t.symlink(`${BUILDS}/t0k0/0/group0/project0/secret`, t.p('/srv/secret'));
    await t.dir(`${BUILDS}/t0k1/1/group1/plain/src`);
    await t.dir(`${BUILDS}/t0k1/1/group1/plain.tmp`);
    execFileSync('chown', ['-hR', '999:999', t.p(BUILDS)]);
    // Half of them old.
    for (let i = 0; i < PROJECTS; i += 2) await ageTree(t, `${BUILDS}/t0k${i % 3}/${i % 2}/group${i % 5}/project${i}`, 72);
    // A .git the walk cannot list (another filesystem): counted, not judged old.
    execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', t.p(`${BUILDS}/t0k2/0/group2/project32/.git`)]);
    mounts.push(t.p(`${BUILDS}/t0k2/0/group2/project32/.git`));
  });
  afterAll(async () => {
    for (const m of mounts.splice(0)) execFileSync('umount', [m]);
    await t.remove();
  });

  it('what the checks report is the same with 1, 2 and 4 threads; with more than one, worker threads walked job dirs', async () => {
    const before = scanPoolActivity.handed;
    const one = await audit(t, 1);
    expect(scanPoolActivity.handed).toBe(before); // one thread: none handed
    const leftover = one.find((f) => f.check === 'RG-BUILD-001')!;
    expect(leftover.status).toBe('warn');
    expect(leftover.evidence).toContain('count 19'); // 20 aged, project32's .git unlisted: not judged
    const creds = one.filter((f) => f.check === 'RG-BUILD-002' && f.status === 'fail');
    expect(creds.length).toBeGreaterThan(0);
    expect(JSON.stringify(one)).not.toContain(SECRET_TOKEN);
    expect(one.filter((f) => f.subject.startsWith(`${BUILDS}/t0k0/1/big/`) && f.status === 'fail').map((f) => f.subject).sort()).toEqual(
      [`${BUILDS}/t0k0/1/big/.netrc`, ...[0, 10, 20, 30, 40, 50, 60].map((i) => `${BUILDS}/t0k0/1/big/p${i}/.git/config`)].sort(),
    );
    for (const threads of [2, 4]) {
      const handed = scanPoolActivity.handed;
      const many = await audit(t, threads);
      expect(scanPoolActivity.handed - handed, `${threads} threads`).toBeGreaterThan(0);
      expect(comparable(many), `${threads} threads`).toEqual(comparable(one));
    }
    expect(handlesInto(t.p(BUILDS))).toEqual([]);
  });

  it('a group of 70 job dirs is shared out by name: part walked by the worker, its own files and the rest by the scan, every leak found once', async () => {
    const big = await runnerHost();
    try {
      for (let i = 0; i < 70; i++) await jobCheckout(big, `${BUILDS}/t/0/big/p${i}`, { remote: `https://oauth2:glpat-big${i}xxxxxxxxxxxxxxxx@gitlab.example.com/g/p.git` });
      await big.file(`${BUILDS}/t/0/big/.netrc`, 'machine gitlab.example.com login ci password glpat-bignetrcxxxxxxxxxxxx\n');
      await ageTree(big, `${BUILDS}/t`, 72); // all of one age: the oldest named is the first by path, whichever thread met it
      const one = await audit(big, 1);
      const shards = scanPoolActivity.shards;
      const two = await audit(big, 2);
      expect(scanPoolActivity.shards - shards).toBe(1); // the group was met first, the worker idle: one part of two handed
      const leaks = (fs: Finding[]) => fs.filter((f) => f.check === 'RG-BUILD-002' && f.status === 'fail').map((f) => f.subject);
      expect(leaks(two)).toHaveLength(71);
      expect(new Set(leaks(two)).size).toBe(71);
      expect(comparable(two)).toEqual(comparable(one)); // counts too: the group's entries counted once
      const oldest = (fs: Finding[]) => fs.find((f) => f.check === 'RG-BUILD-001')?.evidence.find((e) => e.startsWith('oldest '));
      expect(oldest(two)).toMatch(/^oldest \/home\/gitlab-runner\/builds\/t\/0\/big\/p0 \(/);
    } finally {
      await big.remove();
    }
  });
});

describe('a job dir handed over is the one the walk listed', () => {
  let t: FixtureTree;
  afterEach(async () => t?.remove());

  it('attacker: swapped for a link to a root-only dir after its listing, the walk from its handle reads the dir it had, never the link', async () => {
    t = await runnerHost();
    const job = t.p(`${BUILDS}/t/0/g/p`);
    await jobCheckout(t, `${BUILDS}/t/0/g/p`);
    execFileSync('chown', ['-hR', '999:999', t.p(BUILDS)]);
    const fd = openSync(job, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
    try {
      const st = fstatSync(fd);
      // The job's move, as uid 999: its dir away, a link to the secret in its place.
      execFileSync('setpriv', ['--reuid=999', '--regid=999', '--clear-groups', 'sh', '-c', `mv "${job}" "${job}.away" && ln -s "${t.p('/srv/secret')}" "${job}"`]);
      const seen: string[] = [];
      const stats = await walk({ fd, dev: st.dev, ino: st.ino, shown: ['t', '0', 'g', 'p'], exact: true, parentMtimeMs: 0 }, { entry: (e) => void seen.push(e.rel) });
      expect(seen.sort()).toEqual(['t/0/g/p/.git', 't/0/g/p/.git/HEAD', 't/0/g/p/.git/config', 't/0/g/p/.git/index', 't/0/g/p/src', 't/0/g/p/src/main.c']);
      expect(stats.unreadable).toBe(0);
      // A handle whose dir is not the one handed over (another dir's dev/ino): nothing walked, said as changed.
      const changed: string[] = [];
      const other = await walk({ fd, dev: st.dev, ino: st.ino + 1, shown: ['t', '0', 'g', 'p'], exact: true, parentMtimeMs: 0 }, { entry: (e) => void changed.push(e.rel), unreadable: (rel, code) => void changed.push(`${rel} ${code}`) });
      expect(changed).toEqual(['t/0/g/p ECHANGED']);
      expect(other.unreadable).toBe(1);
    } finally {
      closeSync(fd);
    }
  });

  it('attacker: a job swapping a job dir and a link to a root-only checkout while 2-thread scans run: the secret is never read', async () => {
    t = await runnerHost();
    // Many small groups (each handed whole), and one of them the job's playground.
    for (let i = 0; i < 24; i++) {
      await jobCheckout(t, `${BUILDS}/t/${i % 2}/g${i % 12}/p${i}`);
      await manyDirs(t, `${BUILDS}/t/${i % 2}/g${i % 12}/p${i}/src`, 60);
    }
    await jobCheckout(t, `${BUILDS}/t/0/g/p10`);
    await t.symlink(`${BUILDS}/t/0/g/link`, t.p('/srv/secret'));
    execFileSync('chown', ['-hR', '999:999', t.p(BUILDS)]);
    let racer: Racer | undefined = await startRacer(t.p(`${BUILDS}/t/0/g/p10`), t.p(`${BUILDS}/t/0/g/link`), JOB.uid);
    try {
      const handed = scanPoolActivity.handed;
      for (let round = 0; round < 25; round++) {
        const findings = await audit(t, 2);
        expect(JSON.stringify(findings), `round ${round}`).not.toContain(SECRET_TOKEN);
        expect(findings.filter((f) => f.status === 'fail'), `round ${round}`).toEqual([]);
      }
      expect(scanPoolActivity.handed - handed).toBeGreaterThan(0);
      expect(await racer.stop()).toBeGreaterThan(25); // the job really raced
      racer = undefined;
    } finally {
      await racer?.stop();
    }
  });
});

describe('scan threads that die or are stopped', () => {
  let t: FixtureTree;
  afterEach(async () => t?.remove());

  /** Job dirs listed by a walk of the builds dir, handed to `pool` (the layout's depth: token/id/group/project). */
  async function offerAll(pool: ScanPool, after?: () => void): Promise<number> {
    let taken = 0;
    await walk(t.p(BUILDS), {
      listed(d: ListedDir) {
        if (d.depth !== 4) return d.depth < 4;
        if (pool.offer(d, { kind: 'job', job: { rel: d.rel, exact: d.exact, lastUsedMs: 0 } })) taken++;
        after?.();
        return false;
      },
      entry: (e) => e.kind === 'dir',
    });
    return taken;
  }

  it('a worker killed with job dirs in hand: each reported as not scanned (never clean, never old), its handles closed', async () => {
    t = await runnerHost();
    for (let i = 0; i < 6; i++) await jobCheckout(t, `${BUILDS}/t/0/g/p${i}`);
    const found: TreeScanResult[] = [];
    const pool = new ScanPool(1, BUILDS, 0, (r) => void found.push(r));
    await pool.warm();
    let killed = false;
    const taken = await offerAll(pool, () => {
      if (!killed) void (pool as unknown as { threads: Array<{ worker: { terminate(): Promise<number> } }> }).threads[0]!.worker.terminate();
      killed = true;
    });
    expect(taken).toBeGreaterThan(0);
    const stats = await pool.finish();
    // Each job dir it took is either walked (2 dirs: .git, src) or lost and said so: none is dropped in silence.
    expect(found).toHaveLength(taken);
    expect(stats.unreadable + stats.dirs / 2).toBe(taken);
    expect(stats.unreadable).toBeGreaterThanOrEqual(taken - 1); // killed after the first: at most that one walked
    const lost = found.filter((r) => r.tally.unreadable.count > 0);
    expect(lost).toHaveLength(stats.unreadable);
    for (const r of lost) {
      expect(r.tally.unreadable.items[0]).toMatch(/^\/home\/gitlab-runner\/builds\/t\/0\/g\/p\d \(scan thread failed: exited with code \d+\)$/);
      expect(r.jobs.map((j) => j.lastUsedMs)).toEqual([Number.POSITIVE_INFINITY]); // not judged old
    }
    // (A worker killed mid-walk may leave its own handles open: the audit is a process of its own, the daemon forks one per cycle.)
  });

  it('a scan stopped by its signal: the workers stop between dirs, the stats say aborted, no handle is left open', async () => {
    t = await runnerHost();
    for (let i = 0; i < 12; i++) {
      await jobCheckout(t, `${BUILDS}/t/0/g/p${i}`);
      for (let d = 0; d < 300; d++) await fsp.mkdir(t.p(`${BUILDS}/t/0/g/p${i}/src/d${d}`));
    }
    const stop = new AbortController();
    const pool = new ScanPool(1, BUILDS, 0, () => {}, stop.signal);
    await pool.warm();
    const taken = await offerAll(pool, () => stop.abort());
    expect(taken).toBe(1); // none offered after the stop is taken
    const stats = await pool.finish();
    expect(stats.aborted).toBe(true);
    expect(stats.notWalked).toBeGreaterThan(0); // stopped inside the one it took (.git, src and 300 dirs below)
    expect(handlesInto(t.p(BUILDS))).toEqual([]);
  });
});

describe('how many scan threads', () => {
  let t: FixtureTree | undefined;
  afterEach(async () => t?.remove());

  it('[agent] scan_threads, else one per CPU this process may use (a cgroup cpu.max counts), at most 4; the unit\'s CPUQuota=50% gives none', async () => {
    expect(defaultConfig().agent.scan_threads).toBe(1); // one thread unless asked
    expect(scanWorkers(1)).toBe(0);
    expect(scanWorkers(3)).toBe(2);
    expect(scanWorkers(1000)).toBe(15); // bounded: each is an isolate of its own
    expect(scanWorkers(0, 2)).toBe(1);
    expect(scanWorkers(0, 64)).toBe(3);
    expect(scanWorkers(0, 0.5)).toBe(0);
    expect(scanWorkers(0, 1.5)).toBe(0);
    t = await FixtureTree.create('rg-cgroup-');
    await t.file('/proc/self/cgroup', '0::/system.slice/runnerguard.service\n');
    await t.file('/sys/fs/cgroup/cpu.max', 'max 100000\n');
    await t.file('/sys/fs/cgroup/system.slice/cpu.max', 'max 100000\n');
    await t.file('/sys/fs/cgroup/system.slice/runnerguard.service/cpu.max', '50000 100000\n');
    expect(cgroupCpus(t.p('/proc/self/cgroup'), t.p('/sys/fs/cgroup'))).toBe(0.5);
    // The tightest limit up the hierarchy counts; none at all is no limit.
    await t.file('/sys/fs/cgroup/system.slice/cpu.max', '20000 100000\n');
    expect(cgroupCpus(t.p('/proc/self/cgroup'), t.p('/sys/fs/cgroup'))).toBe(0.2);
    await t.file('/proc/self/cgroup', '0::/user.slice\n');
    expect(cgroupCpus(t.p('/proc/self/cgroup'), t.p('/sys/fs/cgroup'))).toBe(Number.POSITIVE_INFINITY);
    expect(cgroupCpus(t.p('/nowhere'), t.p('/sys/fs/cgroup'))).toBe(Number.POSITIVE_INFINITY);
  });
});
