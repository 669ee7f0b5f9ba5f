import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import type { CheckContext, FindingDraft } from '../../agent/engine/types.js';
import type { FileStat } from '../../agent/host/index.js';
import { REF } from '../references.js';
import { pendingSecurityUpdates, SHOW_PENDING } from './apt-pending.js';

const DAY = 86_400_000;
const APT_CONF = '/etc/apt/apt.conf.d';
const UU_LOG = '/var/log/unattended-upgrades/unattended-upgrades.log';
const UU_STAMP = '/var/lib/apt/periodic/unattended-upgrade-stamp';
const UBUNTU_NOTICE = '/var/lib/update-notifier/updates-available';

/** APT::Periodic values from apt.conf.d, in the order apt reads the files (the last setting wins). */
export function aptPeriodic(files: Array<[name: string, text: string]>): Map<string, { value: string; where: string }> {
  const out = new Map<string, { value: string; where: string }>();
  for (const [name, text] of files) {
    const lines = text.replace(/\/\*[\s\S]*?\*\//g, '').split('\n');
    lines.forEach((raw, i) => {
      const line = raw.replace(/(^|\s)(\/\/|#).*$/, '').trim();
      const m = /^APT::Periodic::([A-Za-z-]+)\s+"([^"]*)"\s*;/.exec(line);
      if (m) out.set(m[1]!, { value: m[2]!, where: `${APT_CONF}/${name}:${i + 1}` });
    });
  }
  return out;
}

async function stat(ctx: CheckContext, p: string): Promise<FileStat | null> {
  return ctx.host.fs.stat(p).catch(() => null);
}

/** Whether a unit is masked (linked to /dev/null) in /etc/systemd/system. */
async function masked(ctx: CheckContext, unit: string): Promise<boolean> {
  const st = await ctx.host.fs.lstat(`/etc/systemd/system/${unit}`).catch(() => null);
  if (st?.kind !== 'symlink') return false;
  return (await ctx.host.fs.realpath(`/etc/systemd/system/${unit}`).catch(() => '')) === '/dev/null';
}

async function debian(ctx: CheckContext, maxAge: number): Promise<FindingDraft> {
  const { fs } = ctx.host;
  const names = (await fs.readdir(APT_CONF).catch(() => [])).filter((e) => e.kind === 'file' && /^[A-Za-z0-9_.-]+$/.test(e.name)).map((e) => e.name).sort();
  const files: Array<[string, string]> = [];
  for (const n of names) files.push([n, await fs.readText(`${APT_CONF}/${n}`, { maxBytes: 256 * 1024 }).catch(() => '')]);
  const periodic = aptPeriodic(files);
  const evidence: string[] = [];
  const problems: string[] = [];
  const setting = (k: string) => periodic.get(k);
  for (const k of ['Update-Package-Lists', 'Unattended-Upgrade']) {
    const s = setting(k);
    evidence.push(s ? `${s.where}: APT::Periodic::${k} "${s.value}"` : `APT::Periodic::${k} unset in ${APT_CONF}`);
    if (!s || s.value === '0' || s.value === '') problems.push(`APT::Periodic::${k} is ${s ? `"${s.value}"` : 'unset'}: ${k === 'Unattended-Upgrade' ? 'security updates are not installed automatically' : 'package lists are not refreshed, so no update is seen'}`);
  }
  if (!(await fs.exists('/usr/bin/unattended-upgrade'))) problems.push('the unattended-upgrades package is not installed (no /usr/bin/unattended-upgrade)');
  for (const timer of ['apt-daily.timer', 'apt-daily-upgrade.timer']) {
    if (await masked(ctx, timer)) problems.push(`${timer} is masked: the periodic run never starts`);
  }
  const log = await stat(ctx, UU_LOG);
  const stamp = await stat(ctx, UU_STAMP);
  const last = Math.max(log?.mtimeMs ?? 0, stamp?.mtimeMs ?? 0);
  if (last === 0) problems.push(`no sign it ever ran (no ${UU_LOG}, no ${UU_STAMP})`);
  else {
    const days = Math.floor((ctx.now.getTime() - last) / DAY);
    evidence.push(`last run ${new Date(last).toISOString().slice(0, 10)} (${days} days ago; newest of ${UU_LOG}, ${UU_STAMP})`);
    if (days > maxAge) problems.push(`it last ran ${days} days ago (more than ${maxAge})`);
  }
  // Ubuntu's update-notifier counts pending security updates from the package data.
  const notice = await fs.readText(UBUNTU_NOTICE, { maxBytes: 64 * 1024 }).catch(() => '');
  const pending = /(\d+) (?:of these updates are|updates? (?:is a|are)) (?:standard )?security updates?/i.exec(notice);
  if (pending && Number(pending[1]) > 0) {
    problems.push(`${pending[1]} security update(s) pending`);
    evidence.push(`${UBUNTU_NOTICE}: ${JSON.stringify(pending[0])}`);
  }
  const notes = await aptPending(ctx, maxAge, evidence);
  if (problems.length) return verdict.fail('security-updates', [...problems, ...notes].join('; '), evidence);
  if (notes.length) return verdict.warn('security-updates', `unattended-upgrades is set up, but ${notes.join('; ')}`, evidence);
  return verdict.pass('security-updates', 'unattended-upgrades installs security updates daily and ran recently', evidence);
}

/**
 * What the package data says (issue 13, seed 002 "no security update is
 * pending"): dpkg's installed versions against the security suites'
 * Packages lists apt last fetched. Returns the notes for the message.
 */
async function aptPending(ctx: CheckContext, maxAge: number, evidence: string[]): Promise<string[]> {
  const r = await pendingSecurityUpdates(ctx);
  if ('error' in r) return [`installed versions unknown (${r.error})`];
  const notes: string[] = [];
  for (const u of r.unreadable) evidence.push(u);
  if (r.lists.length === 0 && r.unreadable.length === 0) {
    evidence.push('no security suite list in /var/lib/apt/lists (no *security*_Packages): pending security updates not judged');
    return notes;
  }
  if (r.unreadable.length) notes.push(`${r.unreadable.length} security package list(s) could not be read, so pending updates may be missed`);
  const days = r.fetchedMs ? Math.floor((ctx.now.getTime() - r.fetchedMs) / DAY) : undefined;
  evidence.push(`security lists: ${r.lists.join(', ') || '(none read)'}; ${days === undefined ? 'no InRelease/Release beside them (fetch time unknown)' : `fetched ${new Date(r.fetchedMs).toISOString().slice(0, 10)} (${days} days ago)`}`);
  if (r.pending.length) {
    const shown = r.pending.slice(0, SHOW_PENDING).map((p) => `${p.pkg} ${p.installed} -> ${p.candidate}`);
    notes.push(`${r.pending.length} security update(s) pending: ${shown.join(', ')}${r.pending.length > SHOW_PENDING ? `, and ${r.pending.length - SHOW_PENDING} more` : ''}`);
  }
  if (days === undefined || days > maxAge) notes.push(`the package lists are ${days === undefined ? 'of unknown age' : `${days} days old`}, so this answer may be stale (apt update)`);
  return notes;
}

async function rhel(ctx: CheckContext): Promise<FindingDraft> {
  const { fs } = ctx.host;
  const conf = await fs.readText('/etc/dnf/automatic.conf', { maxBytes: 256 * 1024 }).catch(() => null);
  if (conf === null) return verdict.fail('security-updates', 'dnf-automatic is not installed (no /etc/dnf/automatic.conf): updates are installed by hand, if at all');
  const value = (k: string) => /^\s*(\S+)\s*=\s*(.*)$/.exec(conf.split('\n').find((l) => new RegExp(`^\\s*${k}\\s*=`).test(l)) ?? '')?.[2]?.trim();
  const apply = value('apply_updates') ?? 'no';
  const type = value('upgrade_type') ?? 'default';
  const evidence = [`/etc/dnf/automatic.conf: apply_updates = ${apply}, upgrade_type = ${type}`];
  const problems: string[] = [];
  if (!/^(yes|true|1|on)$/i.test(apply)) problems.push('apply_updates is not yes: updates are downloaded at most, never installed');
  const timers = ['dnf-automatic.timer', 'dnf-automatic-install.timer'];
  const enabled = (await Promise.all(timers.map((t) => fs.lstat(`/etc/systemd/system/timers.target.wants/${t}`).catch(() => null)))).some(Boolean);
  evidence.push(`timers.target.wants: ${enabled ? 'a dnf-automatic timer is enabled' : 'no dnf-automatic timer enabled'}`);
  if (!enabled) problems.push('no dnf-automatic timer is enabled: it never runs');
  if (problems.length) return verdict.fail('security-updates', problems.join('; '), evidence);
  return verdict.pass('security-updates', `dnf-automatic installs ${type === 'security' ? 'security' : 'all'} updates on a timer (when it last ran is not recorded where runnerguard can read it)`, evidence);
}

export default defineCheck({
  meta: {
    id: 'RG-HOST-003',
    title: 'Security updates install automatically and ran recently',
    severity: 'high',
    area: 'host',
    rationale:
      "A runner host runs untrusted code all day: a kernel or container runtime hole fixed upstream stays open until the fix is installed. Unattended security upgrades close that window without waiting for someone to log in, and a last run within days shows they still work.",
    references: [
      REF.guideChecklistHost,
      'https://wiki.debian.org/UnattendedUpgrades',
      'https://dnf.readthedocs.io/en/latest/automatic.html',
    ],
    reads: [
      '/etc/apt/apt.conf.d/* (APT::Periodic::Update-Package-Lists, Unattended-Upgrade), /usr/bin/unattended-upgrade, apt-daily(-upgrade).timer masks',
      '/var/log/unattended-upgrades/unattended-upgrades.log and /var/lib/apt/periodic/unattended-upgrade-stamp (times), /var/lib/update-notifier/updates-available',
      '/var/lib/dpkg/status against /var/lib/apt/lists/*security*_Packages (plain or .gz, 64 MiB each at most) in Debian version order, and their InRelease/Release times',
      '/etc/dnf/automatic.conf, dnf-automatic timers in /etc/systemd/system/timers.target.wants',
    ],
    remediation: {
      summary:
        'Debian/Ubuntu: apt install unattended-upgrades and set APT::Periodic::Update-Package-Lists "1" and APT::Periodic::Unattended-Upgrade "1" (dpkg-reconfigure unattended-upgrades); RHEL: dnf install dnf-automatic, apply_updates = yes (upgrade_type = security at least) and systemctl enable --now dnf-automatic.timer. Reboot for kernel updates.',
    },
    options: { max_age_days: 'integer' },
  },
  async run(ctx) {
    const maxAge = typeof ctx.options.max_age_days === 'number' ? ctx.options.max_age_days : 7;
    if (await ctx.host.fs.exists('/var/lib/dpkg/status')) return [await debian(ctx, maxAge)];
    if ((await ctx.host.fs.exists('/etc/dnf')) || (await ctx.host.fs.exists('/etc/yum.repos.d'))) return [await rhel(ctx)];
    return [verdict.skip('security-updates', 'neither apt (no /var/lib/dpkg/status) nor dnf (no /etc/dnf): no known package manager to judge')];
  },
});
