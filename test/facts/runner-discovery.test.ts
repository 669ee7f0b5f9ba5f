/**
 * Runner discovery on the live host, from real processes: a Jenkins agent
 * started by hand (a real java running a real agent.jar, as uid 1500, its
 * -secret on the command line) and an Actions Runner.Listener without a
 * unit (as uid 1234). And what a job can make of discovery on a fixture:
 * a .runner of its own naming /etc as its work folder is acted on as the
 * job, never as root.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import jenkinsSecret from '../../checks/jenkins/secret.js';
import jenkinsNotRoot from '../../checks/jenkins/not-root.js';
import { defaultConfig } from '../../agent/config/schema.js';
import { SecretRegistry } from '../../agent/engine/redact.js';
import { runAudit } from '../../agent/engine/run-checks.js';
import { githubFacts } from '../../agent/facts/github.js';
import { createFacts } from '../../agent/facts/index.js';
import { runnerDirsFact } from '../../agent/facts/runner-dirs.js';
import { createHost } from '../../agent/host/index.js';
import { FixtureTree } from '../helpers/fixture-tree.js';
import { dotRunner } from '../checks/github/fixture.js';

const SECRET = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';
let dir: string;
const children: ChildProcess[] = [];

/** Waits until the child has exec'd (its cmdline shows `word`). */
async function execd(child: ChildProcess, word: string): Promise<number> {
  for (;;) {
    const text = (() => {
      try {
        return readFileSync(`/proc/${child.pid}/cmdline`, 'latin1');
      } catch {
        return '';
      }
    })();
    if (text.includes(word)) return child.pid!;
    if (child.exitCode !== null) throw new Error(`child exited ${child.exitCode}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'rg-discovery-'));
  chmodSync(dir, 0o755);
  // A real agent.jar: remoting's entry point replaced by one that waits.
  writeFileSync(`${dir}/Main.java`, 'public class Main { public static void main(String[] a) throws Exception { Thread.sleep(600_000); } }\n');
  execFileSync('javac', ['-d', dir, `${dir}/Main.java`]);
  execFileSync('jar', ['cfe', `${dir}/agent.jar`, 'Main', '-C', dir, 'Main.class']);
  chmodSync(`${dir}/agent.jar`, 0o644);
  mkdirSync(`${dir}/actions-runner/bin`, { recursive: true });
  copyFileSync('/bin/sleep', `${dir}/actions-runner/bin/Runner.Listener`);
  chmodSync(`${dir}/actions-runner/bin/Runner.Listener`, 0o755);
});

afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('live discovery from processes', () => {
  it('a Jenkins agent started by hand as uid 1500 with -secret on its command line: found, judged, the secret never printed', async () => {
    const child = spawn('java', ['-Xmx32m', '-jar', `${dir}/agent.jar`, '-url', 'https://jenkins.example.com/', '-secret', SECRET, '-name', 'b1', '-workDir', `${dir}/work`], { uid: 1500, gid: 1500, stdio: 'ignore', cwd: dir });
    children.push(child);
    const pid = await execd(child, 'agent.jar');
    const report = await runAudit({ host: createHost({ root: '/' }), config: defaultConfig(), checks: [jenkinsSecret, jenkinsNotRoot] });
    const mine = report.findings.filter((f) => f.subject === `jenkins-agent:pid:${pid}`);
    expect(mine.map((f) => `${f.check} ${f.status}`).sort()).toEqual(['RG-JENKINS-001 pass', 'RG-JENKINS-002 fail']);
    const secret = mine.find((f) => f.check === 'RG-JENKINS-002')!;
    expect(secret.message).toContain(`the command line of pid ${pid}`);
    expect(secret.evidence).toContain(`/proc/${pid}/cmdline`);
    expect(mine.find((f) => f.check === 'RG-JENKINS-001')!.message).toContain('runs as 1500');
    expect(JSON.stringify(report)).not.toContain(SECRET);
  });

  it('a Runner.Listener with no unit, running as uid 1234: its dir is a runner dir and 1234 its user', async () => {
    const child = spawn(`${dir}/actions-runner/bin/Runner.Listener`, ['600'], { uid: 1234, gid: 1234, stdio: 'ignore' });
    children.push(child);
    const pid = await execd(child, 'Runner.Listener');
    const facts = createFacts(createHost({ root: '/' }), defaultConfig(), new SecretRegistry());
    const r = (await facts.get(githubFacts)).find((x) => x.dir === `${dir}/actions-runner`);
    expect(r?.origin).toEqual({ kind: 'process', pid, euid: 1234 });
    expect(r?.user).toBe('1234');
    expect(r?.userFrom).toBe(`its Runner.Listener (pid ${pid}) runs as uid 1234`);
  });
});

describe('attacker: discovery of a runner dir a job made', () => {
  it('a .runner planted in the job user\'s home naming /etc as work folder: found, its user is the job\'s, /etc is acted on as the job', async () => {
    const t = await FixtureTree.create();
    try {
      await t.useradd('gh', { uid: 1200 });
      await t.file('/home/gh/fake/.runner', dotRunner().replace('"workFolder": "_work"', '"workFolder": "/etc"'), { uid: 1200, gid: 1200 });
      execFileSync('chown', ['1200:1200', t.p('/home/gh/fake')]);
      const facts = createFacts(createHost({ root: t.root }), defaultConfig(), new SecretRegistry());
      const runners = await facts.get(githubFacts);
      expect(runners.map((r) => [r.dir, r.user, r.origin.kind])).toEqual([['/home/gh/fake', 'gh', 'scan']]);
      const dirs = await facts.get(runnerDirsFact);
      const etc = dirs.find((d) => d.path === '/etc');
      expect(etc?.actAs?.uid).toBe(1200);
    } finally {
      await t.remove();
    }
  });

  it('a link in a home to root\'s runner dir is not followed: root\'s runner is found where it is, once', async () => {
    const t = await FixtureTree.create();
    try {
      await t.useradd('gh', { uid: 1200 });
      await t.file('/root/actions-runner/.runner', dotRunner());
      await t.symlink('/home/gh/actions-runner', '/root/actions-runner');
      const facts = createFacts(createHost({ root: t.root }), defaultConfig(), new SecretRegistry());
      const runners = await facts.get(githubFacts);
      expect(runners.map((r) => [r.dir, r.user])).toEqual([['/root/actions-runner', 'root']]);
    } finally {
      await t.remove();
    }
  });
});
