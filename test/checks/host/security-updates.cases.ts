import { symlink, utimes } from 'node:fs/promises';
import check from '../../../checks/host/security-updates.js';
import { defineCases } from '../../helpers/check-cases.js';
import type { FixtureTree } from '../../helpers/fixture-tree.js';

const NOW = '2026-09-10T12:00:00Z';
const LOG = '/var/log/unattended-upgrades/unattended-upgrades.log';

/** A Debian host as `apt install unattended-upgrades` + dpkg-reconfigure leave it; `ranAt` sets the log's time. */
async function debian(t: FixtureTree, o: { auto?: string; ranAt?: string | null; installed?: boolean } = {}): Promise<void> {
  await t.file('/var/lib/dpkg/status', 'Package: apt\nStatus: install ok installed\nVersion: 2.6.1\n');
  await t.file('/etc/apt/apt.conf.d/01autoremove', 'APT\n{\n  NeverAutoRemove {};\n};\n');
  await t.file('/etc/apt/apt.conf.d/20auto-upgrades', o.auto ?? 'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\n');
  if (o.installed !== false) await t.file('/usr/bin/unattended-upgrade', '#!/usr/bin/python3\n', { mode: 0o755 });
  if (o.ranAt !== null) {
    await t.file(LOG, '2026-09-09 06:25:01,123 INFO Starting unattended upgrades script\n', { mode: 0o644 });
    const when = new Date(o.ranAt ?? '2026-09-09T06:25:01Z');
    await utimes(t.p(LOG), when, when);
  }
}

export default defineCases({
  check,
  passing: [
    {
      name: 'Debian with 20auto-upgrades as dpkg-reconfigure writes it, ran yesterday',
      now: NOW,
      build: (t) => debian(t),
      expect: [{ status: 'pass', subject: 'security-updates', evidence: ['/etc/apt/apt.conf.d/20auto-upgrades:2: APT::Periodic::Unattended-Upgrade "1"', /^last run 2026-09-09 \(1 days ago/] }],
    },
    {
      name: 'RHEL with dnf-automatic applying security updates on its timer',
      build: async (t) => {
        await t.dir('/etc/dnf');
        await t.file('/etc/dnf/automatic.conf', '[commands]\nupgrade_type = security\napply_updates = yes\n');
        await t.symlink('/etc/systemd/system/timers.target.wants/dnf-automatic.timer', '/usr/lib/systemd/system/dnf-automatic.timer');
      },
      expect: [{ status: 'pass', subject: 'security-updates', message: 'dnf-automatic installs security updates on a timer' }],
    },
  ],
  failing: [
    {
      name: 'a later file switches Unattended-Upgrade off again (the last setting wins); last run 40 days ago',
      now: NOW,
      build: async (t) => {
        await debian(t, { ranAt: '2026-08-01T06:00:00Z' });
        await t.file('/etc/apt/apt.conf.d/99local', '// ops: too noisy\nAPT::Periodic::Unattended-Upgrade "0";\n');
      },
      expect: [{ status: 'fail', subject: 'security-updates', message: /^APT::Periodic::Unattended-Upgrade is "0": .*; it last ran 40 days ago \(more than 7\)$/, evidence: ['/etc/apt/apt.conf.d/99local:2: APT::Periodic::Unattended-Upgrade "0"'] }],
    },
    {
      name: 'package not installed, never ran, apt-daily-upgrade.timer masked, Ubuntu says 3 security updates wait',
      now: NOW,
      build: async (t) => {
        await debian(t, { installed: false, ranAt: null });
        await t.dir('/etc/systemd/system');
        await t.file('/dev/null', '');
        await symlink('/dev/null', t.p('/etc/systemd/system/apt-daily-upgrade.timer'));
        await t.file('/var/lib/update-notifier/updates-available', '\n12 updates can be applied immediately.\n3 of these updates are standard security updates.\n');
      },
      expect: [
        {
          status: 'fail',
          subject: 'security-updates',
          message: 'the unattended-upgrades package is not installed (no /usr/bin/unattended-upgrade); apt-daily-upgrade.timer is masked: the periodic run never starts; no sign it ever ran',
          evidence: [/updates-available: "3 of these updates are standard security updates"$/],
        },
      ],
    },
    {
      name: 'attacker-shaped config: the setting hidden in a comment does not count',
      now: NOW,
      build: (t) => debian(t, { auto: 'APT::Periodic::Update-Package-Lists "1";\n// APT::Periodic::Unattended-Upgrade "1";\n# APT::Periodic::Unattended-Upgrade "1";\n' }),
      expect: [{ status: 'fail', subject: 'security-updates', message: /^APT::Periodic::Unattended-Upgrade is unset/ }],
    },
    {
      name: 'RHEL: dnf-automatic downloads only (its default), no timer',
      build: async (t) => {
        await t.file('/etc/dnf/automatic.conf', '[commands]\nupgrade_type = default\napply_updates = no\n');
      },
      expect: [{ status: 'fail', subject: 'security-updates', message: 'apply_updates is not yes: updates are downloaded at most, never installed; no dnf-automatic timer is enabled: it never runs' }],
    },
  ],
  notApplicable: [{ name: 'no apt, no dnf', build: async () => {}, expect: [{ status: 'skip', subject: 'security-updates' }] }],
});
