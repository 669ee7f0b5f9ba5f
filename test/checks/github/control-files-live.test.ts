/**
 * RG-GHA-004 on the live host, with a real Runner.Listener (a copy of
 * sleep) running as nobody from a runner dir another account owns: the
 * jobs run as the listener's uid, so that is the user judged, whoever owns
 * the dir.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import check from '../../../checks/github/control-files.js';
import { defaultConfig } from '../../../agent/config/schema.js';
import { runAudit } from '../../../agent/engine/run-checks.js';
import { createHost } from '../../../agent/host/index.js';
import { dotRunner } from './fixture.js';

// Debian's own accounts, so the live audit's /etc/passwd names them: nobody runs the listener, daemon owns the dir.
const NOBODY = 65534;
const DAEMON = 1;
let tmp: string;
let child: ChildProcess | undefined;

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'rg-gha004-'));
  chmodSync(tmp, 0o755);
});

afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

/** Waits (bounded) until the child has exec'd the listener. */
async function execd(c: ChildProcess): Promise<number> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const cmd = (() => {
      try {
        return readFileSync(`/proc/${c.pid}/cmdline`, 'latin1');
      } catch {
        return '';
      }
    })();
    if (cmd.includes('Runner.Listener')) return c.pid!;
    if (c.exitCode !== null) throw new Error(`the listener exited (${c.exitCode}) before it ran`);
    if (Date.now() > deadline) throw new Error('the listener did not start within 30 s');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('RG-GHA-004 live: the job user is the running listener\'s', () => {
  it('attacker: a read-only runner dir daemon owns, its listener running as nobody, .env nobody\'s: fail for nobody (the dir\'s owner could not write .env)', async () => {
    const dir = path.join(tmp, 'actions-runner');
    mkdirSync(path.join(dir, 'bin'), { recursive: true });
    copyFileSync('/bin/sleep', path.join(dir, 'bin/Runner.Listener'));
    chmodSync(path.join(dir, 'bin/Runner.Listener'), 0o755);
    writeFileSync(path.join(dir, '.runner'), dotRunner(), { mode: 0o644 });
    chownSync(path.join(dir, '.runner'), DAEMON, DAEMON);
    // What the runner (as its user) wrote: the one file in the dir that user can rewrite.
    writeFileSync(path.join(dir, '.env'), 'LANG=C.UTF-8\n', { mode: 0o644 });
    chownSync(path.join(dir, '.env'), NOBODY, NOBODY);
    chownSync(dir, DAEMON, DAEMON);
    chmodSync(dir, 0o555);
    child = spawn(path.join(dir, 'bin/Runner.Listener'), ['600'], { uid: NOBODY, gid: NOBODY, stdio: 'ignore' });
    const pid = await execd(child);

    const report = await runAudit({ host: createHost({ root: '/' }), config: defaultConfig(), checks: [check] });
    const mine = report.findings.filter((f) => f.subject === `github-runner:${dir}`);
    expect(mine.map((f) => [f.status, f.message])).toEqual([['fail', 'nobody (the job user) can rewrite .env']]);
    expect(mine[0]!.evidence).toContain(`jobs run as nobody: its Runner.Listener (pid ${pid}) runs as uid ${NOBODY}`);
    // The owners differ: judged as the dir's owner (daemon), as it once was, this passed.
    expect(mine[0]!.evidence).toContain(`${dir}/.env: mode 0644 owner nobody:nogroup; dir ${dir}: mode 0555 owner daemon:daemon`);
  });
});
