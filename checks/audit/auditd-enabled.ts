import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import type { FindingDraft } from '../../agent/engine/types.js';
import { isHostError, type Host, type HostFs } from '../../agent/host/index.js';
import { isUnitEnabled, loadUnit } from '../../agent/facts/systemd.js';
import { REF, cisDocker } from '../references.js';
import { doubtPass } from '../unit-doubt.js';
import { AUDITD_BINARIES, auditdBinary } from './audit-rules.js';

const SUBJECT = 'auditd';
const UNIT = 'auditd.service';
const INITS = ['/sbin/init', '/usr/sbin/init', '/lib/systemd/systemd', '/usr/lib/systemd/systemd'];

/** The fix for what was found: installing again what is installed helps nobody reading the report. */
const FIX = {
  install: 'Install auditd (apt-get install auditd / dnf install audit), then run systemctl enable --now auditd.',
  enable: 'auditd is installed: enable and start it (systemctl enable --now auditd).',
  unmask: 'auditd is installed but masked: systemctl unmask auditd, then systemctl enable --now auditd.',
  sysv: 'auditd is installed: start it at boot (update-rc.d auditd enable, or chkconfig auditd on) and now (service auditd start).',
  kernel: 'auditd is installed: drop audit=0 from the kernel command line (GRUB_CMDLINE_LINUX) and reboot, or run auditctl -e 1; keep auditd enabled (systemctl enable --now auditd).',
} as const;

/** A fail with the fix that matches its state. */
function failWith(fix: string, message: string, evidence?: string[]): FindingDraft {
  return { ...verdict.fail(SUBJECT, message, evidence), fix };
}

/** Pids whose comm is exactly "auditd" (the kernel thread "kauditd" is not the daemon). */
export async function auditdPids(fs: HostFs): Promise<number[]> {
  const pids: number[] = [];
  for (const e of await fs.readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(e.name)) continue;
    const comm = await fs.readText(`/proc/${e.name}/comm`, { maxBytes: 64 }).catch(() => '');
    if (comm.trim() === 'auditd') pids.push(Number(e.name));
  }
  return pids;
}

/** The container manager PID 1 was started by (systemd's convention: /run/systemd/container, or container= in its environment). */
async function containerName(fs: HostFs): Promise<string | undefined> {
  const marker = (await fs.readText('/run/systemd/container', { maxBytes: 256 }).catch(() => '')).trim();
  if (marker) return marker;
  const env = await fs.readText('/proc/1/environ', { maxBytes: 64 * 1024 }).catch(() => '');
  return /(?:^|\0)container=([^\0]+)/.exec(env)?.[1];
}

async function live(host: Host, binary: string): Promise<FindingDraft> {
  const r = await host.exec(['auditctl', '-s'], { timeoutMs: 10_000 });
  if (!r.failure && r.exitCode !== 0 && /Operation not permitted/.test(r.stderr)) {
    // The kernel answers audit requests only from its initial PID namespace: no auditd can run here.
    const container = await containerName(host.fs);
    if (container) return verdict.skip(SUBJECT, `a container (${container}): the kernel takes audit requests only from the host's initial PID namespace, so auditd cannot run here (auditctl -s: ${r.stderr.trim().split('\n')[0]}); audit the host`);
  }
  if (r.failure || r.exitCode !== 0) {
    return verdict.error(SUBJECT, `auditctl -s failed: ${r.message ?? (r.stderr.trim().split('\n')[0] || `exit status ${r.exitCode}`)}`);
  }
  const enabled = /^enabled (\d+)/m.exec(r.stdout)?.[1];
  if (enabled === undefined) return verdict.error(SUBJECT, 'auditctl -s: no "enabled" line in its output', [r.stdout.slice(0, 200)]);
  const kernelPid = /^pid (\d+)/m.exec(r.stdout)?.[1] ?? '?';
  const pids = await auditdPids(host.fs);
  const cmdline = await host.fs.readText('/proc/cmdline', { maxBytes: 64 * 1024 }).catch(() => '');
  const bootOff = /(^|\s)audit=(0|off)(\s|$)/.exec(cmdline);
  const evidence = [
    `installed: ${binary}`,
    `auditctl -s: enabled ${enabled}, pid ${kernelPid}`,
    pids.length ? `auditd processes: ${pids.join(', ')}` : 'no process named auditd in /proc',
    `at boot: ${UNIT} ${(await isUnitEnabled(host.fs, UNIT)) ? 'enabled' : 'not enabled'}`,
  ];
  if (bootOff) evidence.push(`/proc/cmdline has ${bootOff[0].trim()}`);
  const problems: string[] = [];
  if (enabled === '0') problems.push(`kernel auditing is disabled (enabled 0${bootOff ? `, ${bootOff[0].trim()} on the kernel command line` : ''})`);
  if (pids.length === 0) problems.push('auditd is not running');
  if (problems.length) return failWith(enabled === '0' ? FIX.kernel : FIX.enable, `auditd is installed but ${problems.join(' and ')}`, evidence);
  const locked = enabled === '2' ? ', rules locked until reboot' : '';
  return verdict.pass(SUBJECT, `auditd is running (pid ${pids.join(', ')}) and kernel auditing is enabled (enabled ${enabled}${locked})`, evidence);
}

async function offline(fs: HostFs, binary: string): Promise<FindingDraft> {
  const local = `/etc/systemd/system/${UNIT}`;
  const evidence = [`installed: ${binary}`];
  if ((await fs.lstat(local))?.kind === 'symlink' && (await fs.realpath(local)) === '/dev/null') {
    return failWith(FIX.unmask, `auditd is installed but ${UNIT} is masked (${local} -> /dev/null)`, evidence);
  }
  let unit;
  try {
    unit = await loadUnit(fs, UNIT);
  } catch (err) {
    return verdict.error(SUBJECT, `${UNIT}: ${isHostError(err) ? err.message : String(err)}`, evidence);
  }
  if (!unit) {
    // sysvinit hosts: an init script with start links in the multi-user runlevels.
    const links = [];
    for (const lvl of ['2', '3', '4', '5']) {
      for (const e of await fs.readdir(`/etc/rc${lvl}.d`).catch(() => [])) if (/^S\d\dauditd$/.test(e.name)) links.push(`/etc/rc${lvl}.d/${e.name}`);
    }
    if (links.length) return verdict.pass(SUBJECT, `auditd starts at boot from /etc/init.d/auditd (${links.join(', ')})`, [...evidence, ...links]);
    return failWith(FIX.sysv, `auditd is installed but nothing starts it at boot (no ${UNIT}, no /etc/rc?.d/S??auditd link)`, evidence);
  }
  evidence.push(`unit ${unit.path}`);
  if (await isUnitEnabled(fs, UNIT)) return doubtPass(verdict.pass(SUBJECT, `${UNIT} is enabled (a *.wants/ link starts it at boot)`, evidence), unit);
  return failWith(FIX.enable, `auditd is installed but ${UNIT} is not enabled: no *.wants/ link starts it at boot`, evidence);
}

export default defineCheck({
  meta: {
    id: 'RG-AUDIT-001',
    title: 'Audit daemon enabled',
    severity: 'medium',
    area: 'audit',
    rationale:
      'Without auditd the kernel keeps no durable record of who ran what or touched which file. After a malicious job escapes to the host, the audit log is what shows how far it got; audit rules for Docker and runner files (RG-AUDIT-002) only log while auditd runs.',
    references: [REF.guideChecklistHost, REF.glSecureHost, cisDocker('1.1.3', 'Ensure auditing is configured for the Docker daemon')],
    reads: [...AUDITD_BINARIES, ...INITS, 'auditctl -s, /proc/*/comm, /run/systemd/container and /proc/1/environ (live)', `${UNIT} and its *.wants/ links, /etc/rc?.d (offline)`],
    remediation: {
      // Each fail carries the part that applies (FIX): enable an installed auditd, install a missing one.
      summary: 'Install auditd if it is missing (apt-get install auditd / dnf install audit), then enable and start it: systemctl enable --now auditd.',
      automated: 'RG-AUDIT-001',
    },
  },
  async run(ctx) {
    const { fs } = ctx.host;
    const binary = await auditdBinary(fs);
    // A container image has no init to start any daemon: auditing is its host's job.
    if (!binary && !(await Promise.all(INITS.map((p) => fs.exists(p)))).some(Boolean)) {
      return [verdict.skip(SUBJECT, `no init system (${INITS.join(', ')}) and no auditd: a container image, whose host does the auditing`)];
    }
    if (!binary) return [failWith(FIX.install, `auditd is not installed (no ${AUDITD_BINARIES.join(' or ')})`)];
    return [ctx.host.live ? await live(ctx.host, binary) : await offline(fs, binary)];
  },
});
