/**
 * The .deb end to end: installed with apt in a Debian 12 root without
 * systemd running (a chroot: Debian's nodejs comes in as the dependency),
 * then that root booted with systemd-nspawn: the timer is enabled and
 * scheduled, the service runs under its sandbox and delivers to a collector
 * on the container's loopback, an upgrade keeps the edited config, purge
 * leaves nothing but a spool of undelivered reports.
 */
import { promises as fsp, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../agent/engine/types.js';
import { aptInstall, chrootRun, removeRoot, scratchCopy, type RunResult } from '../helpers/debian-root.js';
import { boot, ensureBookwormSystemd, type Booted } from '../helpers/nspawn.js';
import { BASE_VERSION, buildPackages, type Packages } from '../helpers/packages.js';
import { COLLECTOR, RUNNER_CONFIG, RUNNER_UNIT } from './deb-boot.fixtures.js';

const V2 = `${BASE_VERSION}+e2e1`;
const URL_LINE = 'url = "http://127.0.0.1:8088/v1/reports"';
let v1: Packages;
let v2: Packages;
let dir: string;
let box: Booted | undefined;
const p = (target: string) => path.join(dir, target);
const chroot = (argv: string[], proc = false): Promise<RunResult> => chrootRun(dir, argv, { proc, timeoutMs: 300_000 });

describe('runnerguard .deb on Debian 12: chroot install, nspawn boot, upgrade, purge', () => {
  beforeAll(async () => {
    if (process.getuid?.() !== 0) throw new Error('this stage needs root (chroot, systemd-nspawn)');
    [v1, v2] = await Promise.all([buildPackages(), ensureBookwormSystemd().then(() => buildPackages(V2))]);
    console.log(`[deb-boot] built:\n${v1.log.split('\n').filter((l) => /^(== |\(clean\)|dist\/packages|[EW]: |.*: [EW]: |.*errors, )/.test(l)).join('\n')}`);
    dir = await scratchCopy(await ensureBookwormSystemd(), 'deb-boot');
    for (const pkg of [v1, v2]) await fsp.copyFile(pkg.deb, p(`/root/${path.basename(pkg.deb)}`));
  }, 1_800_000);

  afterAll(async () => {
    await box?.stop();
    if (dir) await removeRoot(dir);
  }, 180_000);

  it("installs with apt where systemd is not running, pulling Debian's nodejs; the command works", async () => {
    await aptInstall(dir, [`/root/${path.basename(v1.deb)}`]);
    expect((await chroot(['dpkg-query', '-W', '-f=${Version}', 'nodejs'])).stdout).toMatch(/^18\.\d+\.\d+.*deb12/);
    const version = await chroot(['runnerguard', '--version']);
    expect([version.code, version.stdout, version.stderr]).toEqual([0, `runnerguard ${BASE_VERSION}\n`, '']);
    const checks = await chroot(['runnerguard', 'checks']);
    expect(checks.code, checks.stderr).toBe(0);
    expect(checks.stdout).toMatch(/^ID\s+SEVERITY\s+FIX\s+TITLE\n(RG-[A-Z]+-\d{3} .*\n){20,}/);
    const audit = await chroot(['runnerguard', 'audit', '--format', 'json'], true);
    expect([0, 1], audit.stderr).toContain(audit.code);
    const rep = JSON.parse(audit.stdout) as Report;
    expect(rep).toMatchObject({ schema: 'runnerguard/report@1', agent: { name: 'runnerguard', version: BASE_VERSION }, target: { root: '/', live: true } });
    expect(rep.summary.total).toBe(rep.findings.length);
    expect((await chroot(['runnerguard', 'config', 'check'])).stdout).toBe('/etc/runnerguard/config.toml: ok\n');

    // Layout and modes as shipped; the timer enabled by symlink, nothing started.
    const mode = async (f: string) => ((await fsp.stat(p(f))).mode & 0o7777).toString(8);
    expect(await mode('/var/lib/runnerguard')).toBe('700');
    expect(await mode('/usr/bin/runnerguard')).toBe('755');
    expect((await chroot(['dpkg-query', '-W', '-f=${Conffiles}', 'runnerguard'])).stdout).toMatch(/^ \/etc\/runnerguard\/config.toml [0-9a-f]{32}$/);
    expect(await fsp.readlink(p('/etc/systemd/system/timers.target.wants/runnerguard.timer'))).toMatch(/\/systemd\/system\/runnerguard\.timer$/);
    for (const f of ['/usr/share/man/man8/runnerguard.8.gz', '/usr/share/doc/runnerguard/copyright', '/usr/lib/systemd/system/runnerguard.service']) expect(existsSync(p(f)), f).toBe(true);
    // postinst again (dpkg-reconfigure does this): idempotent, still no systemd needed.
    for (let i = 0; i < 2; i++) expect((await chroot(['/var/lib/dpkg/info/runnerguard.postinst', 'configure', BASE_VERSION])).code).toBe(0);
  });

  it('boots: timer enabled and scheduled, the sandboxed service audits and delivers to a loopback collector', async () => {
    // A runner the audit must judge through its sandbox: config and home readable only by their owner.
    await fsp.writeFile(p('/etc/systemd/system/gitlab-runner.service'), RUNNER_UNIT);
    await fsp.writeFile(p('/usr/bin/gitlab-runner'), '#!/bin/sh\n', { mode: 0o755 });
    await fsp.mkdir(p('/etc/gitlab-runner'), { mode: 0o700 });
    await fsp.writeFile(p('/etc/gitlab-runner/config.toml'), RUNNER_CONFIG, { mode: 0o600 });
    await fsp.writeFile(p('/root/collector.mjs'), COLLECTOR);
    const conf = (await fsp.readFile(p('/etc/runnerguard/config.toml'), 'utf8')).replace('#url = "https://collector.example:8443/v1/reports"', URL_LINE).replace('#splay_max_ms = 60000', 'splay_max_ms = 0');
    await fsp.writeFile(p('/etc/runnerguard/config.toml'), conf);

    box = await boot(dir);
    await box.must(['useradd', '--system', '-m', '-d', '/home/gitlab-runner', 'gitlab-runner']);
    await box.must(['chown', '-R', 'gitlab-runner:', '/etc/gitlab-runner', '/home/gitlab-runner']);
    await box.must(['chmod', '0700', '/home/gitlab-runner']);
    expect((await box.must(['systemctl', 'is-enabled', 'runnerguard.timer'])).trim()).toBe('enabled');
    expect((await box.must(['systemctl', 'is-active', 'runnerguard.timer'])).trim()).toBe('active');
    expect(await box.must(['systemctl', 'list-timers', '--all', '--no-pager'])).toMatch(/runnerguard\.timer\s+runnerguard\.service/);

    await box.must(['systemd-run', '--unit=rg-collector', '/usr/bin/node', '/root/collector.mjs']);
    await box.must(['sh', '-c', 'for i in $(seq 100); do [ -e /root/collector.ready ] && exit 0; sleep 0.1; done; exit 1']);
    const start = await box.exec(['systemctl', 'start', 'runnerguard.service'], { timeoutMs: 300_000 });
    expect(start.code, `${start.stderr}\n${(await box.exec(['journalctl', '-u', 'runnerguard.service', '--no-pager'])).stdout}`).toBe(0);
    expect(await box.must(['systemctl', 'show', '-p', 'Result', 'runnerguard.service'])).toBe('Result=success\n');

    const last = JSON.parse(readFileSync(p('/var/lib/runnerguard/last-report.json'), 'utf8')) as Report;
    expect(last.schema).toBe('runnerguard/report@1');
    const received = JSON.parse(await box.must(['cat', `/root/received/${last.id}.json`])) as Report;
    expect(received.id).toBe(last.id);
    const journal = await box.must(['journalctl', '-u', 'runnerguard.service', '-o', 'cat', '--no-pager']);
    expect(journal).toContain(`"id":"${last.id}"`);
    expect(journal).toContain('"msg":"run finished"');
    console.log(`[deb-boot] service run in the container: ${Object.entries(last.summary).map(([k, v]) => `${k} ${v}`).join(', ')}; ${(await box.must(['systemd-analyze', 'security', 'runnerguard.service', '--no-pager'])).trim().split('\n').at(-1)}`);

    // The sandbox costs the audit nothing: root outside any sandbox judges the same.
    const judged = (r: Report) => r.findings.map((f) => `${f.check} ${f.subject} ${f.status}: ${f.message}`).sort();
    const plain = JSON.parse(await box.exec(['runnerguard', 'audit', '--format', 'json']).then((r) => r.stdout)) as Report;
    expect(judged(last)).toEqual(judged(plain));
    expect(judged(last).filter((l) => l.startsWith('RG-RUN-003 runner:docker-live fail'))).toHaveLength(1);

    // ...and the capabilities are needed: without CAP_DAC_READ_SEARCH the runner config is unreadable.
    await box.must(['mkdir', '-p', '/run/systemd/system/runnerguard.service.d']);
    await box.must(['sh', '-c', 'printf "[Service]\\nCapabilityBoundingSet=\\nCapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW CAP_SYS_PTRACE CAP_AUDIT_CONTROL\\n" > /run/systemd/system/runnerguard.service.d/nodac.conf && systemctl daemon-reload']);
    await box.must(['systemctl', 'start', 'runnerguard.service'], { timeoutMs: 300_000 });
    await box.must(['sh', '-c', 'rm -r /run/systemd/system/runnerguard.service.d && systemctl daemon-reload']);
    const nodac = JSON.parse(readFileSync(p('/var/lib/runnerguard/last-report.json'), 'utf8')) as Report;
    expect(nodac.findings.find((f) => f.check === 'RG-RUN-003')).toMatchObject({ status: 'error', message: expect.stringMatching(/permission denied/) });

    // MemoryDenyWriteExecute=yes: V8 cannot start (measured here, so the unit leaves it off).
    const mdwe = await box.exec(['systemd-run', '--wait', '--pipe', '-p', 'MemoryDenyWriteExecute=yes', '/usr/bin/runnerguard', '--version']);
    expect(mdwe.code).not.toBe(0);
    expect(mdwe.stdout + mdwe.stderr).toMatch(/TRAP|signal|OOM/i);
  });

  it('[remediations] enable: the read-only unit cannot apply them (undone, logged); with the documented drop-in it does, and rollback restores', async () => {
    const b = box!;
    const CONF = '/etc/runnerguard/config.toml';
    const RUNNER = '/etc/gitlab-runner/config.toml';
    const conf = readFileSync(p(CONF), 'utf8');
    await b.must(['groupadd', 'docker']);
    await b.must(['usermod', '-aG', 'docker', 'gitlab-runner']);
    await b.must(['chmod', '0644', RUNNER]);
    const snapshot = async () => ({
      runner: readFileSync(p(RUNNER), 'utf8'),
      stat: await b.must(['stat', '-c', '%a %U:%G', RUNNER]),
      group: await b.must(['getent', 'group', 'docker']),
      gshadow: await b.must(['getent', 'gshadow', 'docker']),
    });
    const initial = await snapshot();
    expect(initial.stat).toBe('644 gitlab-runner:gitlab-runner\n');
    expect(initial.group).toMatch(/^docker:x:\d+:gitlab-runner\n$/);
    await fsp.writeFile(p(CONF), conf.replace('#enable = ["RG-RUN-002"]', 'enable = ["RG-RUN-002", "RG-RUN-003", "RG-DOCKER-001"]'));
    const status = (checks: string[]) => {
      const r = JSON.parse(readFileSync(p('/var/lib/runnerguard/last-report.json'), 'utf8')) as Report;
      return checks.map((c) => `${c} ${r.findings.filter((f) => f.check === c).map((f) => f.status).join(',')}`);
    };
    const serviceLog = async (cursor: string) => {
      const out = await b.must(['journalctl', '-u', 'runnerguard.service', '-o', 'cat', '--no-pager', `--after-cursor=${cursor}`]);
      return out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg: string; [k: string]: unknown });
    };
    const cursor = async () => (await b.must(['journalctl', '-n', '1', '-o', 'export', '--no-pager'])).match(/^__CURSOR=(.*)$/m)![1]!;
    const start = async () => {
      const r = await b.exec(['systemctl', 'start', 'runnerguard.service'], { timeoutMs: 300_000 });
      expect(r.code, `${r.stderr}\n${(await b.exec(['journalctl', '-u', 'runnerguard.service', '-n', '30', '-o', 'cat', '--no-pager'])).stdout}`).toBe(0);
    };

    try {
      // The shipped unit is a read-only audit: /etc is read-only, chown is filtered. The run is undone and says so.
      let c = await cursor();
      await start();
      let logs = await serviceLog(c);
      const failed = logs.find((l) => l.msg === 'remediation run failed and was undone');
      expect(failed, JSON.stringify(logs)).toBeDefined();
      expect(String(failed!.error)).toMatch(/read-only file system|EROFS|not permitted|EPERM/i);
      expect(await snapshot()).toEqual(initial);
      expect(status(['RG-RUN-002', 'RG-RUN-003', 'RG-DOCKER-001'])).toEqual(['RG-RUN-002 fail', 'RG-RUN-003 fail', 'RG-DOCKER-001 warn']);

      // With the drop-in from the package's examples: applied, and the saved report is the host afterwards.
      await b.must(['install', '-D', '-m', '0644', '/usr/share/doc/runnerguard/examples/remediate.conf', '/etc/systemd/system/runnerguard.service.d/remediate.conf']);
      await b.must(['systemctl', 'daemon-reload']);
      c = await cursor();
      await start();
      logs = await serviceLog(c);
      const applied = logs.find((l) => l.msg === 'remediations applied');
      expect(applied, JSON.stringify(logs)).toBeDefined();
      expect(applied!.remediations).toEqual(['RG-RUN-002', 'RG-RUN-003', 'RG-DOCKER-001']);
      const after = await snapshot();
      expect(after.stat).toBe('600 root:root\n');
      expect(after.runner).toBe(initial.runner.replace('privileged = true', 'privileged = false'));
      expect(after.group).toMatch(/^docker:x:\d+:\n$/);
      expect(status(['RG-RUN-002', 'RG-RUN-003', 'RG-DOCKER-001'])).toEqual(['RG-RUN-002 pass', 'RG-RUN-003 pass', 'RG-DOCKER-001 pass']);
      console.log(`[deb-boot] with examples/remediate.conf: ${(await b.must(['systemd-analyze', 'security', 'runnerguard.service', '--no-pager'])).trim().split('\n').at(-1)}`);

      // The next scheduled run finds nothing to do.
      c = await cursor();
      await start();
      expect((await serviceLog(c)).map((l) => l.msg)).not.toContain('remediations applied');

      // An admin undoes it from the journal: the host is as before, group and all.
      const rb = await b.exec(['runnerguard', 'rollback']);
      expect(rb.code, rb.stderr).toBe(0);
      expect(rb.stdout).toMatch(new RegExp(`rolled back run ${String(applied!.runId)}`));
      expect(await snapshot()).toEqual(initial);

    } finally {
      await b.exec(['rm', '-rf', '/etc/systemd/system/runnerguard.service.d']);
      await b.exec(['systemctl', 'daemon-reload']);
      await fsp.writeFile(p(CONF), conf);
      await b.exec(['chmod', '0600', RUNNER]);
    }
  });

  it('RG-NET-001 survives a reboot: runnerguard-egress.service loads the saved table before the network; a (re)start of nftables.service keeps it; rollback leaves nothing to load', async () => {
    const unit = 'runnerguard-egress.service';
    const TABLE = ['nft', 'list', 'table', 'inet', 'runnerguard'];
    const show = async (props: string[], u = unit) => (await box!.must(['systemctl', 'show', ...props.flatMap((x) => ['-p', x]), u])).trim().split('\n').sort().join(' ');
    // Enabled by postinst; nothing saved yet, so skipped at this boot.
    expect((await box!.must(['systemctl', 'is-enabled', unit])).trim()).toBe('enabled');
    expect(await show(['ActiveState', 'ConditionResult'])).toBe('ActiveState=inactive ConditionResult=no');
    expect((await box!.exec(TABLE)).code).not.toBe(0);

    // The runner's GitLab resolves (the container has no network: /etc/hosts), so the lockout guard lets the table through.
    await box!.must(['sh', '-c', 'echo "203.0.113.10 gitlab.example.com" >> /etc/hosts']);
    const fix = await box!.exec(['runnerguard', 'fix', '--apply', 'RG-NET-001'], { timeoutMs: 120_000 });
    expect(fix.code, fix.stdout + fix.stderr).toBe(0);
    expect(fix.stdout).toContain('write /var/lib/runnerguard/egress.nft');
    expect(fix.stdout).toMatch(/re-check RG-NET-001 user:gitlab-runner: pass/);
    const head = (await box!.must(TABLE)).split('\n')[1]!;
    expect(head).toMatch(/^\tcomment "runnerguard RG-NET-001\+RG-NET-002 sha256:[0-9a-f]{16}"$/);
    expect(await box!.must(['stat', '-c', '%a %U', '/var/lib/runnerguard/egress.nft'])).toBe('600 root\n');

    // A reboot: the kernel forgets the table; the unit loads it before network-pre.target, and the check passes before any scheduled run.
    await box!.stop();
    box = await boot(dir);
    expect(await show(['ConditionResult', 'Result', 'ExecMainStatus'])).toBe('ConditionResult=yes ExecMainStatus=0 Result=success');
    expect((await box.must(TABLE)).split('\n')[1]).toBe(head);
    const at = async (prop: string, u: string) => Number((await show([prop], u)).split('=')[1]);
    const loaded = await at('ExecMainExitTimestampMonotonic', unit);
    expect(loaded).toBeGreaterThan(0);
    expect(loaded).toBeLessThanOrEqual(await at('ActiveEnterTimestampMonotonic', 'network-pre.target'));
    const audit = await box.exec(['runnerguard', 'audit', '--only', 'RG-NET-001', '--format', 'json']);
    expect((JSON.parse(audit.stdout) as Report).findings.map((f) => `${f.subject} ${f.status}`)).toContain('user:gitlab-runner pass');

    // nftables.service flushes the ruleset each time it starts (from inactive, as here, or on a restart); ours is loaded again after it.
    // systemctl returns when nftables.service has started; ours is the job it pulled in, a moment later.
    for (let i = 0; i < 2; i++) {
      await box.must(['systemctl', 'restart', 'nftables.service']);
      await box.must(['sh', '-c', 'for i in $(seq 100); do nft list table inet runnerguard >/dev/null 2>&1 && exit 0; sleep 0.1; done; exit 1']);
      expect((await box.must(TABLE)).split('\n')[1]).toBe(head);
      expect((await box.must(['nft', 'list', 'tables'])).split('\n')).toContain('table inet filter'); // nftables.conf's own table is there too
    }

    // Rolled back: the table and its boot copy go; the next boot has nothing to load.
    const rb = await box.exec(['runnerguard', 'rollback']);
    expect(rb.code, rb.stderr).toBe(0);
    expect((await box.exec(TABLE)).code).not.toBe(0);
    expect(existsSync(p('/var/lib/runnerguard/egress.nft'))).toBe(false);
    await box.stop();
    box = await boot(dir);
    expect(await show(['ActiveState', 'ConditionResult'])).toBe('ActiveState=inactive ConditionResult=no');
    expect((await box.exec(TABLE)).code).not.toBe(0);
    // The loopback collector the next stages deliver to, as the first boot had it.
    await box.must(['rm', '-f', '/root/collector.ready']);
    await box.must(['systemd-run', '--unit=rg-collector', '/usr/bin/node', '/root/collector.mjs']);
    await box.must(['sh', '-c', 'for i in $(seq 100); do [ -e /root/collector.ready ] && exit 0; sleep 0.1; done; exit 1']);
  });

  it("runnerguard daemon on Debian's node: cycles on a cron schedule, delivers, SIGTERM exits 0", async () => {
    const conf = `[agent]\nstate_dir = "/root/daemon-state"\nschedule = "*/2 * * * * *"\n\n[report]\n${URL_LINE}\nsplay_max_ms = 0\n`;
    await fsp.writeFile(p('/root/daemon.toml'), conf, { mode: 0o600 });
    const before = (await box!.must(['ls', '/root/received'])).split('\n').filter(Boolean).length;
    await box!.must(['systemd-run', '--unit=rg-daemon', '--remain-after-exit', '/usr/bin/runnerguard', 'daemon', '--config', '/root/daemon.toml']);
    await box!.must(['sh', '-c', `for i in $(seq 300); do [ $(ls /root/received | wc -l) -ge ${before + 2} ] && exit 0; sleep 0.1; done; exit 1`], { timeoutMs: 60_000 });
    // The wrapper starts the idle daemon from its own small bundle in V8 lite mode; its cycle children run the full one without it.
    const pid = (await box!.must(['systemctl', 'show', '-p', 'MainPID', '--value', 'rg-daemon'])).trim();
    expect(await box!.must(['cat', `/proc/${pid}/cmdline`])).toContain('--lite-mode\0--expose-gc\0/usr/lib/runnerguard/runnerguard-daemon.mjs\0daemon');
    // SIGTERM to the daemon alone (as `kill`): it must exit by itself, status 0 (remain-after-exit keeps the record).
    await box!.must(['systemctl', 'kill', '--kill-whom=main', '-s', 'SIGTERM', 'rg-daemon']);
    await box!.must(['sh', '-c', 'for i in $(seq 300); do [ "$(systemctl show -p SubState --value rg-daemon)" = exited ] && exit 0; sleep 0.1; done; exit 1'], { timeoutMs: 60_000 });
    expect(await box!.must(['systemctl', 'show', '-p', 'Result', '-p', 'ExecMainCode', '-p', 'ExecMainStatus', 'rg-daemon'])).toBe('Result=success\nExecMainCode=1\nExecMainStatus=0\n');
    await box!.must(['systemctl', 'stop', 'rg-daemon']);
    expect(await box!.must(['journalctl', '-u', 'rg-daemon', '-o', 'cat', '--no-pager'])).toMatch(/"msg":"daemon started"[\s\S]*"msg":"run finished"[\s\S]*"msg":"daemon stopped"/);
  });

  it('upgrade keeps the edited config and the state; the timer stays enabled and running', async () => {
    const before = readFileSync(p('/etc/runnerguard/config.toml'), 'utf8');
    expect(before).toContain(URL_LINE);
    const last = readFileSync(p('/var/lib/runnerguard/last-report.json'));
    const up = await box!.exec(['dpkg', '-i', `/root/${path.basename(v2.deb)}`], { env: { DEBIAN_FRONTEND: 'noninteractive' }, timeoutMs: 300_000 });
    expect(up.code, up.stdout + up.stderr).toBe(0);
    expect((await box!.must(['runnerguard', '--version'])).trim()).toBe(`runnerguard ${V2}`);
    expect(readFileSync(p('/etc/runnerguard/config.toml'), 'utf8')).toBe(before);
    expect(readFileSync(p('/var/lib/runnerguard/last-report.json'))).toEqual(last);
    expect((await box!.must(['systemctl', 'is-enabled', 'runnerguard.timer'])).trim()).toBe('enabled');
    expect((await box!.must(['systemctl', 'is-active', 'runnerguard.timer'])).trim()).toBe('active');
  });

  it('remove stops and disables; purge removes everything but a spool of undelivered reports', async () => {
    await box!.must(['systemctl', 'stop', 'rg-collector']);
    await box!.must(['systemctl', 'start', 'runnerguard.service'], { timeoutMs: 300_000 }); // collector down: spooled
    const spooled = (await box!.must(['ls', '/var/lib/runnerguard/spool'])).split('\n').filter((n) => n.endsWith('.json'));
    expect(spooled).toHaveLength(1);

    await box!.must(['dpkg', '-r', 'runnerguard']);
    expect((await box!.exec(['systemctl', 'is-active', 'runnerguard.timer'])).stdout.trim()).toBe('inactive');
    expect((await box!.exec(['systemctl', 'is-enabled', 'runnerguard.timer'])).stdout.trim()).not.toBe('enabled');
    expect(existsSync(p('/etc/runnerguard/config.toml'))).toBe(true); // remove keeps config

    const purge = await box!.exec(['dpkg', '-P', 'runnerguard']);
    expect(purge.code, purge.stderr).toBe(0);
    expect(purge.stderr).toContain('runnerguard: kept /var/lib/runnerguard/spool');
    expect((await fsp.readdir(p('/var/lib/runnerguard'))).sort()).toEqual(['spool']);
    expect((await fsp.readdir(p('/var/lib/runnerguard/spool'))).filter((n) => n.endsWith('.json'))).toEqual(spooled);
    const left = await box!.must(['sh', '-c', "find / -xdev \\( -path /proc -o -path /sys -o -path /root \\) -prune -o -name '*runnerguard*' -print | grep -v '^/var/lib/runnerguard\\(/spool.*\\)\\?$' || true"]);
    expect(left.trim().split('\n').filter(Boolean)).toEqual([]);

    // An empty spool goes with the rest: reinstall, purge, nothing at all.
    await box!.must(['dpkg', '-i', `/root/${path.basename(v2.deb)}`], { timeoutMs: 300_000 });
    // A fresh install where systemd runs: enabled and started by postinst.
    expect((await box!.must(['systemctl', 'is-enabled', 'runnerguard.timer'])).trim()).toBe('enabled');
    expect((await box!.must(['systemctl', 'is-active', 'runnerguard.timer'])).trim()).toBe('active');
    await box!.must(['rm', '-rf', '/var/lib/runnerguard/spool']);
    await box!.must(['dpkg', '-P', 'runnerguard']);
    expect(existsSync(p('/var/lib/runnerguard'))).toBe(false);
    expect(existsSync(p('/etc/runnerguard'))).toBe(false);
  });
});
