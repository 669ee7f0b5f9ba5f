/**
 * RG-AUDIT-001's live remediation (serviceEnable: systemctl enable, start;
 * undone with stop, disable) in a booted Debian 12 (systemd-nspawn), with
 * Debian's auditd installed and disabled, and the bundle run by Debian's node.
 *
 * What really happens there: the kernel answers audit netlink requests only
 * from its initial PID namespace (kernel/audit.c, audit_netlink_ok), so in any
 * container `auditctl -s` gets EPERM, although root there holds
 * CAP_AUDIT_CONTROL, and auditd exits at start ("Cannot open netlink audit
 * socket"); auditd.service has no condition that skips it in a container. So:
 *  - the CLI: the check skips with that reason, `fix` plans nothing and says
 *    why, `--apply` changes nothing (twice), there is nothing to roll back;
 *  - below the CLI, the remediation's own plan applied by the engine on this
 *    live host (a driver, audit-enable-boot.driver.ts): the start fails, the
 *    run says so with the unit's own words, and is undone: auditd disabled and
 *    inactive exactly as before (links, rc?.d, no failed unit);
 *  - the same step for a unit that can run: enabled and active, and
 *    `runnerguard rollback` stops and disables it, exactly as before;
 *  - the host's kernel audit state (auditctl -s, -l) is untouched.
 */
import { execFileSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../agent/engine/types.js';
import type { ApplyResult } from '../../agent/remediate/apply.js';
import { chrootRun, removeRoot, scratchCopy } from '../helpers/debian-root.js';
import { buildBundle } from '../helpers/cli.js';
import { boot, ensureBookwormSystemdNode, type Booted } from '../helpers/nspawn.js';

const PROBE = 'rg-probe.service';
const PROBE_UNIT = '[Unit]\nDescription=runnerguard e2e: a unit that can run\n\n[Service]\nExecStart=/bin/sleep infinity\n\n[Install]\nWantedBy=multi-user.target\n';
const LINK = '/etc/systemd/system/multi-user.target.wants/auditd.service';
const CAP_AUDIT_CONTROL = 30n;

let dir: string;
let box: Booted | undefined;
const p = (target: string) => path.join(dir, target);

/** The host's kernel audit settings and rules (not its counters: lost, backlog). */
const kernelAudit = () =>
  execFileSync('auditctl', ['-s'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => /^(enabled|failure|pid|rate_limit|backlog_limit|backlog_wait_time|loginuid_immutable) /.test(l))
    .join('\n') + `\n${execFileSync('auditctl', ['-l'], { encoding: 'utf8' })}`;
let hostAudit = '';

/** The driver, bundled as scripts/build.mjs bundles the agent (Node 18.20, ESM, require for CJS deps). */
async function buildDriver(): Promise<string> {
  const out = path.join(await fsp.mkdtemp(path.join(os.tmpdir(), 'rg-driver-')), 'driver.mjs');
  await build({
    entryPoints: [path.join(import.meta.dirname, 'audit-enable-boot.driver.ts')],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node18.20',
    external: ['osx-temperature-sensor'],
    banner: { js: "import { createRequire as __rgCreateRequire } from 'node:module';\nconst require = __rgCreateRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  return out;
}

async function unitState(unit: string): Promise<string> {
  const q = async (verb: string) => (await box!.exec(['systemctl', verb, unit])).stdout.trim();
  return `${await q('is-enabled')} ${await q('is-active')}`;
}

/** Everything enabling a unit can touch: the units' states, every link under /etc/systemd/system and /etc/rc?.d, failed units. */
async function hostState() {
  return {
    auditd: await unitState('auditd.service'),
    probe: await unitState(PROBE),
    links: await box!.must(['sh', '-c', 'find /etc/systemd/system /etc/rc?.d -printf "%p %y %l\\n" | sort']),
    failed: await box!.must(['systemctl', 'list-units', '--failed', '--plain', '--no-legend', '--no-pager']),
  };
}
let baseline: Awaited<ReturnType<typeof hostState>>;

const driver = async (...args: string[]) => {
  const r = await box!.exec(['node', '/root/driver.mjs', ...args], { timeoutMs: 120_000 });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as unknown;
};

describe('RG-AUDIT-001 live in a booted Debian 12 (systemd-nspawn): auditd cannot run in a container, and nothing says otherwise', () => {
  beforeAll(async () => {
    if (process.getuid?.() !== 0) throw new Error('this stage needs root (chroot, systemd-nspawn)');
    hostAudit = kernelAudit();
    const [base, bundle, drv] = await Promise.all([ensureBookwormSystemdNode(), Promise.resolve().then(buildBundle), buildDriver()]);
    dir = await scratchCopy(base, 'audit-enable-boot');
    // The bundle built from this tree (as npm run build does), run by Debian's node 18; the driver next to it.
    await fsp.mkdir(p('/usr/local/lib/runnerguard'), { recursive: true });
    await fsp.copyFile(bundle, p('/usr/local/lib/runnerguard/runnerguard.mjs'));
    await fsp.writeFile(p('/usr/local/bin/runnerguard'), '#!/bin/sh\nexec /usr/bin/node /usr/local/lib/runnerguard/runnerguard.mjs "$@"\n', { mode: 0o755 });
    await fsp.copyFile(drv, p('/root/driver.mjs'));
    await fsp.rm(path.dirname(drv), { recursive: true });
    await fsp.rm(path.dirname(bundle), { recursive: true });
    await fsp.writeFile(p(`/etc/systemd/system/${PROBE}`), PROBE_UNIT);
    // auditd's postinst enabled it: disabled before boot.
    const off = await chrootRun(dir, ['systemctl', 'disable', 'auditd.service']);
    expect(off.code, off.stderr).toBe(0);
    box = await boot(dir);
  }, 1_800_000);

  afterAll(async () => {
    await box?.stop();
    if (dir) await removeRoot(dir);
  }, 180_000);

  it('before: auditd installed, disabled and inactive; the kernel refuses audit requests from the container although root there has CAP_AUDIT_CONTROL', async () => {
    const b = box!;
    baseline = await hostState();
    expect(baseline.auditd).toBe('disabled inactive');
    expect(baseline.probe).toBe('disabled inactive');
    expect(baseline.links).not.toContain(LINK);
    expect(baseline.links).toMatch(/^\/etc\/rc2\.d\/K01auditd l \.\.\/init\.d\/auditd$/m);
    expect(baseline.failed).toBe('');
    expect((await b.must(['systemd-detect-virt'])).trim()).toBe('systemd-nspawn');
    const capEff = /^CapEff:\s*([0-9a-f]+)$/m.exec(await b.must(['cat', '/proc/self/status']))![1]!;
    expect((BigInt(`0x${capEff}`) >> CAP_AUDIT_CONTROL) & 1n).toBe(1n);
    const s = await b.exec(['auditctl', '-s']);
    expect([s.code, s.stdout, s.stderr.trim()]).toEqual([255, '', 'Error sending status request (Operation not permitted)']);
  });

  it('the CLI: the check skips with the reason, fix plans nothing and says why, --apply (twice) changes nothing, nothing to roll back', async () => {
    const b = box!;
    const audit = await b.exec(['runnerguard', 'audit', '--only', 'RG-AUDIT-001', '--format', 'json']);
    expect(audit.code, audit.stderr).toBe(0);
    const [f, ...more] = (JSON.parse(audit.stdout) as Report).findings;
    expect(more).toEqual([]);
    expect(f).toMatchObject({
      check: 'RG-AUDIT-001',
      status: 'skip',
      subject: 'auditd',
      message:
        "a container (systemd-nspawn): the kernel takes audit requests only from the host's initial PID namespace, so auditd cannot run here (auditctl -s: Error sending status request (Operation not permitted)); audit the host",
    });
    const nothing = `RG-AUDIT-001: nothing to do (the check is skipped: ${f!.message})\n`;
    const plan = await b.exec(['runnerguard', 'fix', 'RG-AUDIT-001']);
    expect([plan.code, plan.stdout], plan.stderr).toEqual([0, nothing]);
    for (let i = 0; i < 2; i++) {
      const apply = await b.exec(['runnerguard', 'fix', '--apply', 'RG-AUDIT-001']);
      expect([apply.code, apply.stdout], apply.stderr).toEqual([0, `${nothing}nothing to apply\n`]);
    }
    const rb = await b.exec(['runnerguard', 'rollback']);
    expect([rb.code, rb.stdout, rb.stderr]).toEqual([1, '', 'runnerguard: no applied remediation run in /var/lib/runnerguard/journal\n']);
    expect(await hostState()).toEqual(baseline);
  });

  it("below the CLI, the remediation's own plan applied live: the start fails for the kernel's reason, the run says so and is undone, auditd exactly as before", async () => {
    const b = box!;
    expect(await driver('plan')).toEqual([
      { remediation: 'RG-AUDIT-001', subject: 'auditd', summary: 'systemctl enable --now auditd.service', steps: [{ op: 'serviceEnable', unit: 'auditd.service', wantedBy: 'multi-user.target' }] },
    ]);
    const r = (await driver('apply-audit')) as ApplyResult;
    console.log(`[audit-enable-boot] RG-AUDIT-001 applied live in the container: ${r.status}: ${r.error}`);
    expect(r.status).toBe('failed');
    expect(r.steps).toMatchObject([{ remediation: 'RG-AUDIT-001', subject: 'auditd', state: 'undone' }]);
    // Not enable's chatter ("Created symlink ..."): the start, why, in auditd's own words.
    expect(r.error).toMatch(/^RG-AUDIT-001 auditd: systemctl start auditd\.service: Job for auditd\.service failed because the control process exited with error code\. \(its log: .*Cannot open netlink audit socket.*\); 1 step\(s\) of this run undone$/);
    const journal = JSON.parse(await b.must(['cat', `${r.journalDir}/journal.json`])) as { status: string; message: string; entries: Array<{ state: string; before: unknown }> };
    expect(journal).toMatchObject({ status: 'failed', message: r.error, entries: [{ state: 'undone', before: { kind: 'service', enabled: false, active: false } }] });
    // No condition of auditd.service skipped it: it ran, and exited.
    expect(await b.must(['systemctl', 'show', '-p', 'ConditionResult', '-p', 'Result', 'auditd.service'])).toBe('Result=exit-code\nConditionResult=yes\n');
    // Undone: no link, K links in rc?.d, inactive (stopped, so neither failed nor restarting).
    expect(await hostState()).toEqual(baseline);
    expect((await b.exec(['systemctl', 'is-system-running'])).stdout.trim()).toBe('running');
    // A failed run whose steps are undone is nothing to roll back.
    const rb = await b.exec(['runnerguard', 'rollback']);
    expect([rb.code, rb.stderr]).toEqual([1, 'runnerguard: no applied remediation run in /var/lib/runnerguard/journal\n']);
  });

  it('the same step for a unit that can run: enabled and active; runnerguard rollback stops and disables it, exactly as before', async () => {
    const b = box!;
    const r = (await driver('apply-unit', PROBE)) as ApplyResult;
    expect([r.status, r.error]).toEqual(['applied', undefined]);
    expect(await unitState(PROBE)).toBe('enabled active');
    expect(await b.must(['readlink', `/etc/systemd/system/multi-user.target.wants/${PROBE}`])).toBe(`/etc/systemd/system/${PROBE}\n`);
    // The CLI knows no remediation "serviceEnable-probe": a journal is data, and its entry is refused, the unit left as it is.
    const refused = await b.exec(['runnerguard', 'rollback']);
    expect([refused.code, refused.stderr]).toEqual([1, `runnerguard: could not undo serviceEnable-probe ${PROBE}: journal entry 1 refused: serviceEnable-probe: no such remediation\n`]);
    expect(await unitState(PROBE)).toBe('enabled active');
    // Where the probe is defined, the same journal rolls back: stopped and disabled, exactly as before.
    const rb = (await driver('rollback')) as { runId: string; entries: Array<{ state: string }>; failed: unknown[] };
    expect([rb.runId, rb.entries.map((e) => e.state), rb.failed]).toEqual([r.runId, ['undone'], []]);
    expect(await hostState()).toEqual(baseline);
    const again = await b.exec(['runnerguard', 'rollback', r.runId]);
    expect([again.code, again.stderr]).toEqual([1, `runnerguard: run ${r.runId} is rolled back already\n`]);
  });

  it("the host's kernel audit state is as it was (auditctl -s settings, auditctl -l)", () => {
    expect(kernelAudit()).toBe(hostAudit);
  });
});
