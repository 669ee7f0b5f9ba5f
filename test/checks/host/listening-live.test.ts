import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../../agent/engine/types.js';
import { buildBundle } from '../../helpers/cli.js';
import { gitlabRunnerUnit } from '../../helpers/fixture-tree.js';

/**
 * RG-HOST-004 on a live kernel: real TCP and UDP listeners in a fresh network
 * namespace (root's node, the real sshd as root, and a job's process named
 * sshd as the runner uid), audited by the built agent in that namespace.
 */
const HERE = path.dirname(new URL(import.meta.url).pathname);
let bundle: string;
let w: string;
let findings: Finding[];

beforeAll(() => {
  bundle = buildBundle();
  w = mkdtempSync(path.join(os.tmpdir(), 'rg-listen-'));
  chmodSync(w, 0o755);
  mkdirSync(path.join(w, 'etc/systemd/system'), { recursive: true });
  mkdirSync(path.join(w, 'etc/gitlab-runner'), { recursive: true });
  const keep = (f: string) => readFileSync(f, 'utf8').split('\n').filter((l) => l && !l.startsWith('gitlab-runner:'));
  writeFileSync(path.join(w, 'etc/passwd'), [...keep('/etc/passwd'), 'gitlab-runner:x:2998:2998::/home/gitlab-runner:/bin/bash', ''].join('\n'));
  writeFileSync(path.join(w, 'etc/group'), [...keep('/etc/group'), 'gitlab-runner:x:2998:', ''].join('\n'));
  writeFileSync(path.join(w, 'etc/gitlab-runner/config.toml'), 'concurrent = 1\n[[runners]]\n\tname = "s"\n\turl = "https://gitlab.example.com/"\n\ttoken = "glrt-listentest"\n\texecutor = "shell"\n', { mode: 0o600 });
  writeFileSync(path.join(w, 'etc/systemd/system/gitlab-runner.service'), gitlabRunnerUnit({ config: path.join(w, 'etc/gitlab-runner/config.toml'), userArg: 'gitlab-runner' }));
  const r = spawnSync('unshare', ['-n', '-m', '--propagation', 'private', 'bash', path.join(HERE, 'netns/listeners.sh')], {
    env: { ...process.env, W: w, BUNDLE: bundle, NODE: process.execPath },
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`scenario exited ${r.status}: ${r.stderr}`);
  findings = (JSON.parse(readFileSync(path.join(w, 'out/audit.json'), 'utf8')) as { findings: Finding[] }).findings;
}, 180_000);
afterAll(() => {
  if (!process.env.KEEP) rmSync(w, { recursive: true, force: true });
  else console.log(w);
  rmSync(path.dirname(bundle), { recursive: true, force: true });
});

const of = (subject: string) => findings.filter((f) => f.check === 'RG-HOST-004' && f.subject === subject);

describe('RG-HOST-004 with real listeners in a network namespace', () => {
  it('a job\'s process named sshd, as the runner user, on 0.0.0.0:4444: fail naming the user, its exe and uid', () => {
    const [f] = of('listen:tcp/0.0.0.0:4444');
    expect(f?.status, JSON.stringify(findings.map((x) => [x.subject, x.status, x.message]))).toBe('fail');
    expect(f!.message).toMatch(/^gitlab-runner \(GitLab Runner job user.*\) listens on tcp\/0\.0\.0\.0:4444/);
    expect(f!.evidence.join('\n')).toMatch(/"sshd" exe .*\/job\/sshd uid 2998/);
  });
  it('root\'s unknown TCP and UDP listeners beyond loopback warn, with their process', () => {
    expect(of('listen:tcp/192.0.2.10:8080')[0]).toMatchObject({ status: 'warn', message: expect.stringMatching(/^"node" listens on tcp\/192\.0\.2\.10:8080/) });
    expect(of('listen:udp/0.0.0.0:5353')[0]).toMatchObject({ status: 'warn' });
  });
  it('the real sshd (root, /usr/sbin/sshd) and loopback listeners are not reported', () => {
    const subjects = findings.filter((f) => f.check === 'RG-HOST-004').map((f) => f.subject);
    expect(subjects.some((s) => s.includes(':2222'))).toBe(false);
    expect(subjects.some((s) => s.includes(':9000'))).toBe(false);
    expect(subjects.sort()).toEqual(['listen:tcp/0.0.0.0:4444', 'listen:tcp/192.0.2.10:8080', 'listen:udp/0.0.0.0:5353']);
  });
});
