/**
 * A job racing the scans: a uid-999 process exchanges a dir of its builds
 * with a link to a root-only dir (renameat2 RENAME_EXCHANGE, in a loop)
 * while RG-SSH-001 and RG-BUILD-002 walk. The walk opens every dir
 * O_NOFOLLOW relative to its open parent and checks it against what the
 * listing showed, so the root-only key and credentials are never read:
 * no round reports them.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../agent/config/schema.js';
import { runAudit } from '../../agent/engine/run-checks.js';
import { createHost } from '../../agent/host/index.js';
import credentialFiles from '../../checks/build/credential-files.js';
import strayKeys from '../../checks/ssh/stray-private-keys.js';
import { startRacer, type Racer } from '../helpers/attack.js';
import { FixtureTree, shellRunnerHost } from '../helpers/fixture-tree.js';
import { key, sha12 } from './ssh/fixture.js';

const JOB = { uid: 999, gid: 999 };
const BUILDS = '/home/gitlab-runner/builds';
const ROUNDS = 50;
const SECRET_TOKEN = 'glpat-ROOTONLYSECRET0001';

let t: FixtureTree;
let racer: Racer | undefined;

beforeAll(async () => {
  t = await FixtureTree.create();
  await t.dir('/root', { mode: 0o700 });
  await t.dir('/tmp', { mode: 0o1777 });
  await shellRunnerHost(t);
  await t.file('/srv/secret/id_rsa', key('rsa-pem'), { mode: 0o600 });
  await t.file('/srv/secret/.git/config', `[remote "origin"]\n\turl = https://root:${SECRET_TOKEN}@git.example.com/x.git\n`, { mode: 0o600 });
  // The job's own: a dir with nothing in it worth reporting, and a link to the secret dir.
  await t.file(`${BUILDS}/x/d/README`, 'hello\n', JOB);
  await t.dir(`${BUILDS}/x`, JOB);
  await t.dir(`${BUILDS}/x/d`, JOB);
  await t.symlink(`${BUILDS}/x/l`, t.p('/srv/secret'));
  execFileSync('chown', ['-h', '999:999', t.p(`${BUILDS}/x/l`)]);
  racer = await startRacer(t.p(`${BUILDS}/x/d`), t.p(`${BUILDS}/x/l`), JOB.uid);
});

afterAll(async () => {
  await racer?.stop();
  await t.remove();
});

describe('the scans against a job swapping a dir and a link', () => {
  it(`${ROUNDS} rounds: the root-only key and credentials are never read`, async () => {
    const secretPrint = `fingerprint ${sha12(key('rsa-pem'))}`;
    for (let i = 0; i < ROUNDS; i++) {
      const report = await runAudit({ host: createHost({ root: t.root }), config: defaultConfig(), checks: [strayKeys, credentialFiles] });
      const leaked = report.findings.filter(
        (f) => f.status === 'fail' || f.evidence.some((e) => e.includes(secretPrint)) || JSON.stringify(f).includes(SECRET_TOKEN),
      );
      expect(leaked, `round ${i}`).toEqual([]);
      // What the race made it miss is said, not passed over: a swapped dir is "changed during the scan".
      for (const f of report.findings.filter((f) => f.status === 'warn')) expect(f.evidence.join('\n')).toMatch(/changed during the scan/);
    }
    const swaps = await racer!.stop();
    racer = undefined;
    expect(swaps).toBeGreaterThan(ROUNDS); // the job really raced
  });
});
