/**
 * RG-AUDIT-001 in a booted Debian 12 (systemd-nspawn) with Debian's auditd
 * installed and disabled. Its live remediation (`systemctl enable --now
 * auditd`) cannot be shown working here, and this stage records why: the
 * kernel takes audit netlink requests only from its initial PID namespace,
 * so inside any container `auditctl -s` gets EPERM and auditd cannot start.
 * What must hold instead: the check says so (skip, with the reason), `fix`
 * plans nothing and says why, and `systemctl start auditd` really fails
 * there (so the reason is the kernel's, not ours).
 */
import { execFileSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../agent/engine/types.js';
import { aptInstall, CACHE_DIR, chrootRun, copyRoot, removeRoot } from '../helpers/debian-root.js';
import { boot, ensureBookwormSystemd, type Booted } from '../helpers/nspawn.js';
import { buildPackages } from '../helpers/packages.js';

let dir: string;
let box: Booted | undefined;
const p = (target: string) => path.join(dir, target);
const kernelAudit = () => execFileSync('auditctl', ['-s'], { encoding: 'utf8' }) + execFileSync('auditctl', ['-l'], { encoding: 'utf8' });
let hostAudit = '';

describe('RG-AUDIT-001 inside a booted container: auditd cannot run, and runnerguard says so', () => {
  beforeAll(async () => {
    if (process.getuid?.() !== 0) throw new Error('this stage needs root (chroot, systemd-nspawn)');
    hostAudit = kernelAudit();
    const [pkg, base] = await Promise.all([buildPackages(), ensureBookwormSystemd()]);
    dir = path.join(CACHE_DIR, 'scratch', `audit-boot-${process.pid}-${Date.now().toString(36)}`);
    await copyRoot(base, dir);
    await fsp.copyFile(pkg.deb, p(`/root/${path.basename(pkg.deb)}`));
    await aptInstall(dir, [`/root/${path.basename(pkg.deb)}`, 'auditd']);
    const off = await chrootRun(dir, ['systemctl', 'disable', 'auditd.service']);
    expect(off.code, off.stderr).toBe(0);
    box = await boot(dir);
  }, 1_800_000);

  afterAll(async () => {
    await box?.stop();
    if (dir) await removeRoot(dir);
  }, 180_000);

  it('the kernel refuses audit requests from the container, and auditd really cannot start there', async () => {
    const b = box!;
    const s = await b.exec(['auditctl', '-s']);
    expect(s.code).not.toBe(0);
    expect(s.stderr).toContain('Operation not permitted');
    const start = await b.exec(['systemctl', 'start', 'auditd.service'], { timeoutMs: 120_000 });
    expect(start.code).not.toBe(0);
    expect((await b.exec(['systemctl', 'is-active', 'auditd'])).stdout.trim()).not.toBe('active');
    await b.exec(['systemctl', 'reset-failed', 'auditd.service']);
  });

  it('the check skips with the reason; fix plans nothing and says why; nothing changes, on the host kernel either', async () => {
    const b = box!;
    const audit = await b.exec(['runnerguard', 'audit', '--only', 'RG-AUDIT-001', '--format', 'json']);
    const [f] = (JSON.parse(audit.stdout) as Report).findings;
    expect(f).toMatchObject({ status: 'skip', subject: 'auditd' });
    expect(f!.message).toMatch(/^a container \(systemd-nspawn\): the kernel takes audit requests only from the host's initial PID namespace, so auditd cannot run here \(auditctl -s: .*Operation not permitted.*\); audit the host$/);
    const plan = await b.exec(['runnerguard', 'fix', 'RG-AUDIT-001']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toBe(`RG-AUDIT-001: nothing to do (the check is skipped: ${f!.message})\n`);
    const apply = await b.exec(['runnerguard', 'fix', '--apply', 'RG-AUDIT-001']);
    expect(apply.stdout).toContain('nothing to apply');
    expect((await b.exec(['systemctl', 'is-enabled', 'auditd'])).stdout.trim()).toBe('disabled');
    expect(kernelAudit()).toBe(hostAudit);
  });
});
