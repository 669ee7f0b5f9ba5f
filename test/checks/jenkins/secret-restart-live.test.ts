/**
 * RG-JENKINS-002 after the fix, before the restart: the unit (a real fixture
 * tree) passes -secret @file, while the agent systemd started earlier (a real
 * process in a real cgroup named jenkins-agent.service, on this machine's
 * name=systemd hierarchy) still carries the secret on its command line. The
 * finding must say to restart it; runnerguard never does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import check from '../../../checks/jenkins/secret.js';
import { defaultConfig } from '../../../agent/config/schema.js';
import { SecretRegistry } from '../../../agent/engine/redact.js';
import { runAudit } from '../../../agent/engine/run-checks.js';
import { createFacts } from '../../../agent/facts/index.js';
import { processesFact } from '../../../agent/facts/processes.js';
import { createHost } from '../../../agent/host/index.js';
import { FixtureTree } from '../../helpers/fixture-tree.js';
import { jenkinsAgent, SECRET, SUBJECT, UNIT, URL } from './fixture.js';

const CGROUP_ROOT = '/sys/fs/cgroup/systemd';
let t: FixtureTree | undefined;
let child: ChildProcess | undefined;
let dir: string | undefined;
let cgroup: string | undefined;

afterEach(async () => {
  child?.kill('SIGKILL');
  if (child && child.exitCode === null && child.signalCode === null) await new Promise((r) => child!.once('exit', r));
  if (cgroup) for (const d of [cgroup, path.dirname(cgroup)]) rmdirSync(d);
  if (dir) rmSync(dir, { recursive: true, force: true });
  await t?.remove();
  t = child = dir = cgroup = undefined;
});

it.skipIf(!(() => { try { return readFileSync('/proc/self/cgroup', 'utf8').includes('name=systemd:'); } catch { return false; } })())(
  'the unit passes -secret @file, the running agent still has the secret: fail, and the message says to restart it',
  async () => {
    t = await FixtureTree.create();
    await jenkinsAgent(t);
    // A stand-in agent: `sh …/java -jar agent.jar -secret S` keeps agent.jar's argv shape and waits on stdin (no child of its own).
    dir = mkdtempSync(path.join(os.tmpdir(), 'rg-restart-'));
    chmodSync(dir, 0o755);
    writeFileSync(`${dir}/java`, '#!/bin/sh\nread never\n', { mode: 0o755 });
    child = spawn('/bin/sh', [`${dir}/java`, '-jar', '/var/lib/jenkins/agent.jar', '-url', URL, '-secret', SECRET, '-name', 'build-1'], { stdio: ['pipe', 'ignore', 'ignore'] });
    const pid = child.pid!;
    cgroup = `${CGROUP_ROOT}/rg-restart-${pid}/${UNIT}`;
    mkdirSync(cgroup, { recursive: true });
    writeFileSync(`${cgroup}/cgroup.procs`, String(pid));
    expect(readFileSync(`/proc/${pid}/cgroup`, 'utf8')).toContain(`/rg-restart-${pid}/${UNIT}`);

    // The fixture's files, this machine's processes (only ours: other tests run agents too).
    const secrets = new SecretRegistry();
    const host = createHost({ root: t.root });
    const live = createFacts(createHost({ root: '/' }), defaultConfig(), secrets);
    const facts = createFacts(host, defaultConfig(), secrets);
    const own = facts.get.bind(facts);
    facts.get = (<T>(def: Parameters<typeof own>[0], s?: AbortSignal) =>
      def === processesFact ? live.get(processesFact, s).then((ps) => ps.filter((p) => p.pid === pid)) : own(def, s)) as typeof facts.get;
    const report = await runAudit({ host, config: defaultConfig(), checks: [check], shared: { facts, secrets } });

    expect(report.findings.map((f) => [f.subject, f.status])).toEqual([[SUBJECT, 'fail']]);
    const f = report.findings[0]!;
    expect(f.message).toMatch(new RegExp(`^the agent secret is passed on the command line of pid ${pid}, readable by every local user and build step; `));
    expect(f.message).toMatch(new RegExp(`its unit now passes -secret @/var/lib/jenkins/secret-file, but the agent was started before: restart it \\(systemctl restart ${UNIT.replace('.', '\\.')}; its running builds end\\)$`));
    expect(f.message).not.toContain('use -secret @file with a 0600 file');
    expect(JSON.stringify(report)).not.toContain(SECRET);
  },
);
