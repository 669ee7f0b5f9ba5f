import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import auditdEnabled from '../../../checks/audit/auditd-enabled.js';
import { liveRules } from '../../../checks/audit/audit-rules.js';
import dockerWatches, { WATCHED, judgeWatches, type Target } from '../../../checks/audit/docker-watches.js';
import { UNIT_DIRS } from '../../../agent/facts/systemd.js';
import { defaultConfig } from '../../../agent/config/schema.js';
import { runAudit } from '../../../agent/engine/run-checks.js';
import type { Check, Finding } from '../../../agent/engine/types.js';
import { createHost } from '../../../agent/host/index.js';
import { assertFindings } from '../../helpers/check-cases.js';

// The real kernel audit subsystem of the machine running the tests (auditd
// comes from test/setup/apt-deps.sh). Rules are added under a unique key and
// deleted by that key only: other rules on the machine are never touched.
const AUDITCTL = ['/usr/sbin/auditctl', '/sbin/auditctl'].find((p) => existsSync(p));
const AUDITD = ['/usr/sbin/auditd', '/sbin/auditd'].find((p) => existsSync(p));
const canAudit = process.platform === 'linux' && process.getuid?.() === 0 && AUDITCTL !== undefined && AUDITD !== undefined;

const ctl = (...args: string[]): string => execFileSync(AUDITCTL!, args, { encoding: 'utf8' });
const status = (): Record<string, string> => Object.fromEntries(ctl('-s').trim().split('\n').map((l) => l.split(/ (.*)/s).slice(0, 2)));
const auditdRunning = (): boolean => {
  try {
    return execFileSync('pgrep', ['-x', 'auditd'], { encoding: 'utf8' }).trim() !== '';
  } catch {
    return false;
  }
};

async function runLive(check: Check): Promise<Finding[]> {
  return (await runAudit({ host: createHost(), config: defaultConfig(), checks: [check] })).findings;
}

describe.skipIf(!canAudit)('kernel audit on this machine', () => {
  const key = `runnerguard-test-${randomBytes(4).toString('hex')}`;
  afterEach(() => {
    ctl('-D', '-k', key);
  });

  it('auditctl works here (the kernel has audit support and we may control it)', () => {
    expect(status().enabled).toMatch(/^[012]$/);
  });

  it('RG-AUDIT-002 reads the running kernel rules (auditctl -l) and matches them exactly', async () => {
    try {
      ctl('-w', '/etc/docker', '-p', 'wa', '-k', key);
      ctl('-a', 'always,exit', '-F', 'arch=b64', '-S', 'execve', '-F', 'path=/usr/bin/dockerd', '-k', key);
      ctl('-w', '/usr/bin/containerd-shim', '-p', 'x', '-k', key);
      ctl('-a', 'always,exit', '-F', 'arch=b64', '-S', 'openat', '-F', 'dir=/etc/default', '-F', 'perm=wa', '-k', key);
      ctl('-w', '/usr/lib/systemd/system/docker.service', '-p', 'wa', '-k', key);
      const host = createHost();
      const rules = await liveRules(host);
      expect(rules.source).toBe('auditctl -l (the running kernel)');
      // Only our rules: whatever else this machine has loaded must not decide the test.
      const ours = rules.watches.filter((w) => w.key === key);
      expect(ours.map((w) => [w.path, w.recursive, w.rule])).toEqual([
        ['/etc/docker', true, `-w /etc/docker -p wa -k ${key}`],
        ['/usr/bin/dockerd', false, `-a always,exit -F arch=b64 -S execve -F path=/usr/bin/dockerd -F key=${key}`],
        ['/usr/bin/containerd-shim', true, `-w /usr/bin/containerd-shim -p x -k ${key}`],
        ['/etc/default', true, `-a always,exit -F arch=b64 -S openat -F dir=/etc/default -F perm=wa -F key=${key}`],
        ['/usr/lib/systemd/system/docker.service', true, `-w /usr/lib/systemd/system/docker.service -p wa -k ${key}`],
      ]);
      const targets: Target[] = [
        { name: '/usr/bin/dockerd', path: '/usr/bin/dockerd' },
        { name: '/usr/bin/containerd', path: '/usr/bin/containerd' },
        { name: '/etc/docker/daemon.json', path: '/etc/docker/daemon.json' },
        { name: '/etc/default/docker', path: '/etc/default/docker' },
        { name: 'docker.service', path: '/lib/systemd/system/docker.service' },
        { name: 'docker.socket', path: '/lib/systemd/system/docker.socket' },
      ];
      const f = await judgeWatches(host.fs, targets, { ...rules, watches: ours });
      assertFindings([{ ...f, evidence: f.evidence ?? [] } as Finding], [
        {
          status: 'fail',
          subject: 'audit-rules',
          message: /^no audit watch for \/usr\/bin\/containerd, docker\.socket \(\/lib\/systemd\/system\/docker\.socket\)$/,
          evidence: [
            `/usr/bin/dockerd: watched by "-a always,exit -F arch=b64 -S execve -F path=/usr/bin/dockerd -F key=${key}" (auditctl -l)`,
            `/etc/docker/daemon.json: watched by "-w /etc/docker -p wa -k ${key}" (auditctl -l)`,
            /^\/etc\/default\/docker: watched by "-a always,exit .* -F dir=\/etc\/default /,
            `docker.service (/lib/systemd/system/docker.service): watched by "-w /usr/lib/systemd/system/docker.service -p wa -k ${key}" (auditctl -l)`,
          ],
        },
      ]);
    } finally {
      ctl('-D', '-k', key);
    }
    expect(ctl('-l', '-k', key)).not.toContain(key);
  });

  it('RG-AUDIT-002 as a whole on the live host: judges what exists here, never an error', async () => {
    const present = WATCHED.filter((t) => (t.name.startsWith('/') ? existsSync(t.name) : UNIT_DIRS.some((d) => existsSync(`${d}/${t.name}`))));
    const [f] = await runLive(dockerWatches);
    expect(f!.subject).toBe('audit-rules');
    if (present.length === 0) expect([f!.status, f!.message]).toEqual(['skip', expect.stringContaining('no Docker or GitLab Runner files to watch')]);
    else expect(['pass', 'fail']).toContain(f!.status);
  });

  it('RG-AUDIT-001 reports the daemon and kernel state as they are', async () => {
    const enabled = status().enabled!;
    const running = auditdRunning();
    const [f] = await runLive(auditdEnabled);
    expect(f!.evidence).toContain(`auditctl -s: enabled ${enabled}, pid ${status().pid}`);
    if (enabled !== '0' && running) expect(f!.status).toBe('pass');
    else {
      expect(f!.status).toBe('fail');
      if (enabled === '0') expect(f!.message).toContain('kernel auditing is disabled (enabled 0');
      if (!running) expect(f!.message).toContain('auditd is not running');
    }
  });

  it.skipIf(auditdRunning())('RG-AUDIT-001 passes while a real auditd runs, and fails once it is stopped', async () => {
    const before = status().enabled!;
    const daemon = spawn(AUDITD!, ['-n'], { stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => daemon.once('exit', () => resolve()));
    try {
      // auditd registers its pid with the kernel (and enables auditing) once it is ready.
      for (let i = 0; i < 100 && status().pid !== String(daemon.pid); i++) await new Promise((r) => setTimeout(r, 100));
      expect(status().pid).toBe(String(daemon.pid));
      const [f] = await runLive(auditdEnabled);
      expect(f!.status).toBe('pass');
      expect(f!.message).toMatch(new RegExp(`^auditd is running \\(pid ${daemon.pid}\\) and kernel auditing is enabled \\(enabled [12]`));
    } finally {
      daemon.kill('SIGTERM');
      await exited;
      // auditd leaves the kernel flag on when it exits: put back what was there.
      if (before !== '2' && status().enabled !== before) ctl('-e', before);
    }
    const [after] = await runLive(auditdEnabled);
    expect(after!.status).toBe('fail');
    expect(after!.message).toContain('auditd is not running');
  });
});
