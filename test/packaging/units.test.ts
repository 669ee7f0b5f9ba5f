/**
 * The shipped systemd units, checked by systemd's own tools on this machine
 * (systemd installed as a package, not running): `systemd-analyze verify`
 * against a root holding the units, the command and systemd's own units;
 * `systemd-analyze security --offline=true` for the exposure score; the
 * timer's calendar as systemd computes it. Plus the default config and the
 * man page as shipped.
 */
import { DEFAULT_STATE_DIR } from '../../agent/config/schema.js';
import { BOOT_FILE } from '../../remediations/network/egress-plan.js';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle, runCli } from '../helpers/cli.js';

const PKG = fileURLToPath(new URL('../../packaging', import.meta.url));
const UNITS = ['runnerguard.service', 'runnerguard.timer', 'runnerguard-egress.service'];
let tmp: string;
let bundle: string;

const sh = (argv: string[]) => spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
/** `key=value` lines of a unit's section (the last assignment wins, as in systemd). */
function keys(unit: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const l of readFileSync(path.join(PKG, 'systemd', unit), 'utf8').split('\n')) {
    const kv = /^([A-Za-z]+)=(.*)$/.exec(l);
    if (kv) m.set(kv[1]!, kv[2]!);
  }
  return m;
}

let root: string;

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'rg-units-'));
  bundle = buildBundle();
  // A root for verify: the units, the command, and systemd's own units their dependencies resolve against.
  root = path.join(tmp, 'root');
  mkdirSync(path.join(root, 'usr/bin'), { recursive: true });
  cpSync('/usr/lib/systemd/system', path.join(root, 'usr/lib/systemd/system'), { recursive: true, verbatimSymlinks: true });
  mkdirSync(path.join(root, 'usr/sbin'), { recursive: true });
  for (const cmd of ['usr/bin/runnerguard', 'usr/sbin/nft']) {
    writeFileSync(path.join(root, cmd), '#!/bin/sh\n');
    chmodSync(path.join(root, cmd), 0o755);
  }
  for (const u of UNITS) cpSync(path.join(PKG, 'systemd', u), path.join(root, 'usr/lib/systemd/system', u));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  rmSync(path.dirname(bundle), { recursive: true, force: true });
});

describe('systemd units', () => {
  it('systemd-analyze verify is clean for the service, the timer and the boot-time egress unit', () => {
    const r = sh(['systemd-analyze', 'verify', '--man=no', `--root=${root}`, ...UNITS.map((u) => `/usr/lib/systemd/system/${u}`)]);
    expect({ code: r.status, out: r.stdout + r.stderr }).toEqual({ code: 0, out: '' });
  });

  it('the remediation drop-in (examples/remediate.conf) verifies clean on top of the service', () => {
    const dropin = path.join(root, 'etc/systemd/system/runnerguard.service.d');
    mkdirSync(dropin, { recursive: true });
    cpSync(path.join(PKG, 'examples/remediate.conf'), path.join(dropin, 'remediate.conf'));
    try {
      const r = sh(['systemd-analyze', 'verify', '--man=no', `--root=${root}`, '/usr/lib/systemd/system/runnerguard.service']);
      expect({ code: r.status, out: r.stdout + r.stderr }).toEqual({ code: 0, out: '' });
    } finally {
      rmSync(path.join(root, 'etc'), { recursive: true, force: true });
    }
  });

  it('systemd-analyze security --offline=true: exposure <= 3.0', () => {
    const r = sh(['systemd-analyze', 'security', '--offline=true', '--no-pager', path.join(PKG, 'systemd/runnerguard.service')]);
    const m = /Overall exposure level for runnerguard\.service: (\d+\.\d)/.exec(r.stdout);
    expect(m, r.stdout + r.stderr).not.toBeNull();
    console.log(`[units] ${m![0]}`);
    expect(Number(m![1])).toBeLessThanOrEqual(3.0);
  });

  it('the boot-time egress unit loads the saved table before the network, after nftables.service and on each of its starts, only when there is one; exposure <= 3.0', () => {
    const e = keys('runnerguard-egress.service');
    expect(Object.fromEntries(['ExecStart', 'ConditionPathExists', 'DefaultDependencies', 'Before', 'After', 'RemainAfterExit', 'WantedBy', 'CapabilityBoundingSet'].map((k) => [k, e.get(k)]))).toEqual({
      // The file the RG-NET remediation saves in the default state dir.
      ExecStart: `/usr/sbin/nft -f ${path.join(DEFAULT_STATE_DIR, BOOT_FILE)}`,
      ConditionPathExists: path.join(DEFAULT_STATE_DIR, BOOT_FILE),
      DefaultDependencies: 'no',
      Before: 'network-pre.target shutdown.target',
      After: 'nftables.service local-fs.target',
      RemainAfterExit: undefined,
      WantedBy: 'sysinit.target nftables.service',
      CapabilityBoundingSet: 'CAP_NET_ADMIN',
    });
    const r = sh(['systemd-analyze', 'security', '--offline=true', '--no-pager', path.join(PKG, 'systemd/runnerguard-egress.service')]);
    const m = /Overall exposure level for runnerguard-egress\.service: (\d+\.\d)/.exec(r.stdout);
    expect(m, r.stdout + r.stderr).not.toBeNull();
    console.log(`[units] ${m![0]}`);
    expect(Number(m![1])).toBeLessThanOrEqual(3.0);
  });

  it('the service is a sandboxed oneshot of `runnerguard run`', () => {
    const s = keys('runnerguard.service');
    expect(Object.fromEntries(['Type', 'ExecStart', 'ProtectSystem', 'ProtectHome', 'NoNewPrivileges', 'PrivateTmp', 'IOSchedulingClass'].map((k) => [k, s.get(k)]))).toEqual({
      Type: 'oneshot',
      ExecStart: '/usr/bin/runnerguard run',
      ProtectSystem: 'strict',
      ProtectHome: 'read-only',
      NoNewPrivileges: 'true',
      PrivateTmp: 'true',
      IOSchedulingClass: 'idle',
    });
    expect(s.get('ReadWritePaths')!.split(' ').sort()).toEqual(['-/var/lib/prometheus/node-exporter', '/var/lib/runnerguard']);
    expect(s.get('CapabilityBoundingSet')!.split(' ').sort()).toEqual(['CAP_AUDIT_CONTROL', 'CAP_DAC_READ_SEARCH', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_SYS_PTRACE']);
    for (const k of ['Nice', 'CPUQuota', 'MemoryMax', 'SystemCallFilter', 'RestrictAddressFamilies', 'LockPersonality', 'ProtectKernelTunables', 'ProtectKernelModules', 'ProtectKernelLogs']) expect(s.get(k), k).toBeTruthy();
  });

  it('the timer fires every 30 minutes, spread, persistent, soon after boot', () => {
    const t = keys('runnerguard.timer');
    expect(t.get('Persistent')).toBe('true');
    expect(t.get('OnBootSec')).toMatch(/^\d+min$/);
    expect(t.get('RandomizedDelaySec')).toMatch(/^\d+min$/);
    const cal = sh(['systemd-analyze', 'calendar', '--iterations=4', t.get('OnCalendar')!]).stdout;
    const next = [...cal.matchAll(/(?:Next elapse|Iter\. #\d): \w+ (\S+ \S+) \S+/g)].map((m) => Date.parse(`${m[1]!.replace(' ', 'T')}Z`));
    expect(next).toHaveLength(4);
    expect(next.slice(1).map((n, i) => (n - next[i]!) / 60_000)).toEqual([30, 30, 30]);
  });
});

describe('shipped files', () => {
  it('the commented default config, and every example in it uncommented, pass `config check`', async () => {
    const text = readFileSync(path.join(PKG, 'config.toml'), 'utf8');
    const uncommented = text.replace(/^#(\[|[a-z_]+ = )/gm, '$1');
    expect(uncommented).not.toBe(text);
    for (const [name, body] of [['default.toml', text], ['examples.toml', uncommented]] as const) {
      const file = path.join(tmp, name);
      writeFileSync(file, body, { mode: 0o644 });
      const r = await runCli(bundle, ['config', 'check', '--config', file]);
      expect({ code: r.code, out: r.stdout, err: r.stderr }).toEqual({ code: 0, out: `${file}: ok\n`, err: '' });
    }
  });

  it('the man page renders without groff warnings', () => {
    const r = sh(['groff', '-man', '-ww', '-z', path.join(PKG, 'runnerguard.8')]);
    expect({ code: r.status, err: r.stderr }).toEqual({ code: 0, err: '' });
  });

  it('the wrapper, the staged tree and the rpm file list name the same /usr/lib/runnerguard files: those the build writes', async () => {
    const built = readdirSync(path.dirname(bundle)).filter((f) => f.endsWith('.mjs')).sort();
    expect(built).toEqual(['runnerguard-daemon.mjs', 'runnerguard.mjs']);
    const stage = new URL('../../scripts/package/stage.mjs', import.meta.url).href;
    expect([...((await import(stage)) as { LIB_FILES: string[] }).LIB_FILES].sort()).toEqual(built);
    const spec = readFileSync(path.join(PKG, 'rpm/runnerguard.spec.in'), 'utf8');
    expect([...spec.matchAll(/^%attr\(0644,root,root\) \/usr\/lib\/runnerguard\/(\S+)$/gm)].map((m) => m[1]).sort()).toEqual(built);
    // The daemon runs its own small bundle (lite mode, gc exposed); every other command the full one.
    const wrapper = readFileSync(path.join(PKG, 'runnerguard.sh'), 'utf8');
    expect(/^daemon\) exec \/usr\/bin\/node --lite-mode --expose-gc \/usr\/lib\/runnerguard\/runnerguard-daemon\.mjs "\$@" ;;$/m.test(wrapper)).toBe(true);
    expect(/^\*\) exec \/usr\/bin\/node \/usr\/lib\/runnerguard\/runnerguard\.mjs "\$@" ;;$/m.test(wrapper)).toBe(true);
    expect(execFileSync('sh', ['-n', path.join(PKG, 'runnerguard.sh')]).toString()).toBe('');
  });

  it('the maintainer scripts parse as POSIX sh', () => {
    for (const s of ['postinst', 'prerm', 'postrm']) expect(execFileSync('sh', ['-n', path.join(PKG, 'debian', s)]).toString()).toBe('');
  });
});
