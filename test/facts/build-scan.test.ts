/**
 * How the build scan dates a checkout: the newest of its dir's, its .git's
 * and the git stamps' mtimes, the stamps looked up in the .git listing the
 * walk already reads. A stamp a job replaced with a link lends no date,
 * and a checkout whose .git the walk could not list is counted but never
 * judged old on its dir's mtime alone (a remediation deletes old ones).
 */
import { execFileSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../agent/config/schema.js';
import { runAudit } from '../../agent/engine/run-checks.js';
import { createHost } from '../../agent/host/index.js';
import leftoverDirs from '../../checks/build/leftover-dirs.js';
import { buildScanFact } from '../../agent/facts/build-scan.js';
import { createFacts } from '../../agent/facts/index.js';
import { SecretRegistry } from '../../agent/engine/redact.js';
import { ageTree, FixtureTree, gitlabRunnerUnit, jobCheckout } from '../helpers/fixture-tree.js';

const BUILDS = '/home/gitlab-runner/builds';
const JOB = { uid: 998, gid: 998 };
let t: FixtureTree;
const mounts: string[] = [];

beforeEach(async () => {
  t = await FixtureTree.create();
  await t.useradd('gitlab-runner', { uid: 998 });
  await t.unit('gitlab-runner.service', gitlabRunnerUnit({ config: '/etc/gitlab-runner/config.toml', userArg: 'gitlab-runner' }));
  await t.file('/etc/gitlab-runner/config.toml', '[[runners]]\n  name = "shell-1"\n  executor = "shell"\n', { mode: 0o600 });
});
afterEach(async () => {
  for (const m of mounts.splice(0)) execFileSync('umount', [m]);
  await t.remove();
});

async function leftovers() {
  const report = await runAudit({ host: createHost({ root: t.root }), config: defaultConfig(), checks: [leftoverDirs] });
  return report.findings.filter((f) => f.subject === BUILDS);
}

describe('build scan: dating a checkout', () => {
  it('a fresh FETCH_HEAD or ORIG_HEAD in an old tree keeps it fresh; an old tree with only old stamps is old', async () => {
    for (const p of ['fetched', 'merged', 'old']) await jobCheckout(t, `${BUILDS}/tok/0/g/${p}`);
    await ageTree(t, `${BUILDS}/tok`, 72);
    await t.file(`${BUILDS}/tok/0/g/fetched/.git/FETCH_HEAD`, 'x\n');
    await t.file(`${BUILDS}/tok/0/g/merged/.git/ORIG_HEAD`, 'x\n');
    // Writing the stamp touched .git's mtime too: age that back, so only the stamp is new.
    for (const p of ['fetched', 'merged']) {
      const when = new Date(Date.now() - 72 * 3600_000);
      await fsp.utimes(t.p(`${BUILDS}/tok/0/g/${p}/.git`), when, when);
    }
    const [f] = await leftovers();
    expect(f?.status).toBe('warn');
    expect(f?.evidence).toContain('count 1');
    expect(f?.evidence?.some((e) => e.startsWith(`oldest ${BUILDS}/tok/0/g/old `))).toBe(true);
  });

  it('attacker: a stamp replaced with a link to a fresh file lends no date', async () => {
    await jobCheckout(t, `${BUILDS}/tok/0/g/app`);
    await ageTree(t, `${BUILDS}/tok`, 72);
    await t.file('/fresh', 'now\n');
    await fsp.rm(t.p(`${BUILDS}/tok/0/g/app/.git/index`));
    await fsp.symlink(t.p('/fresh'), t.p(`${BUILDS}/tok/0/g/app/.git/index`));
    execFileSync('chown', ['-h', `${JOB.uid}:${JOB.gid}`, t.p(`${BUILDS}/tok/0/g/app/.git/index`)]);
    const when = new Date(Date.now() - 72 * 3600_000);
    await fsp.utimes(t.p(`${BUILDS}/tok/0/g/app/.git`), when, when);
    const [f] = await leftovers();
    expect(f?.status).toBe('warn');
    expect(f?.evidence).toContain('count 1');
  });

  it('a checkout whose .git the walk cannot list (another filesystem there) is counted, not judged old on its dir mtime', async () => {
    await jobCheckout(t, `${BUILDS}/tok/0/g/app`);
    await t.dir(`${BUILDS}/tok/0/g/app.tmp`); // a layout job dir, dated by its mtime and its .tmp's
    await ageTree(t, `${BUILDS}/tok`, 72);
    execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', t.p(`${BUILDS}/tok/0/g/app/.git`)]);
    mounts.push(t.p(`${BUILDS}/tok/0/g/app/.git`));
    const [f] = await leftovers();
    expect(f?.status).toBe('pass');
    expect(f?.message).toBe('1 job dir(s), none unused for more than 24 h');
  });

  it('attacker: a dir on the path of an old job dir swapped for a link after the scan: its size is refused, never the size of what the link points at', async () => {
    await jobCheckout(t, `${BUILDS}/tok/0/g/app`, { bytes: 1000 });
    await ageTree(t, `${BUILDS}/tok`, 72);
    // Root-only, laid out like the job's tree, and far bigger: what the job wants measured for it.
    await t.file('/srv/secret/app/blob', Buffer.alloc(5_000_000));
    await fsp.chmod(t.p('/srv/secret'), 0o700);
    execFileSync('chown', ['-R', `${JOB.uid}:${JOB.gid}`, t.p(`${BUILDS}/tok`)]);
    const facts = createFacts(createHost({ root: t.root }), defaultConfig(), new SecretRegistry());
    const [scan] = await facts.get(buildScanFact);
    const job = scan!.jobs.old.items[0]!;
    expect(job.path).toBe(`${BUILDS}/tok/0/g/app`);
    // The job's move, as its own uid: its group away, a link to the secret tree in its place.
    execFileSync('setpriv', [`--reuid=${JOB.uid}`, `--regid=${JOB.gid}`, '--clear-groups', 'sh', '-c', `mv "${t.p(`${BUILDS}/tok/0/g`)}" "${t.p(`${BUILDS}/tok/0/g.away`)}" && ln -s "${t.p('/srv/secret')}" "${t.p(`${BUILDS}/tok/0/g`)}"`]);
    await expect(job.bytes()).rejects.toThrow(/tok\/0\/g is a symlink owned by uid 998: not followed/);
  });

  it('an old job dir is sized from the handle its path reached: the bytes of its files', async () => {
    await jobCheckout(t, `${BUILDS}/tok/0/g/app`, { bytes: 1000 });
    await ageTree(t, `${BUILDS}/tok`, 72);
    const facts = createFacts(createHost({ root: t.root }), defaultConfig(), new SecretRegistry());
    const [scan] = await facts.get(buildScanFact);
    // The files' bytes (du -sb also counts the dirs' own): HEAD, index, config, main.c.
    const files = execFileSync('find', [t.p(`${BUILDS}/tok/0/g/app`), '-type', 'f', '-printf', '%s\n'], { encoding: 'utf8' }).trim().split('\n').reduce((n, x) => n + Number(x), 0);
    expect(await scan!.jobs.old.items[0]!.bytes()).toBe(files);
    expect(files).toBeGreaterThan(1000);
  });
});
