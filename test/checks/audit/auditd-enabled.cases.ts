import check from '../../../checks/audit/auditd-enabled.js';
import { defineCases } from '../../helpers/check-cases.js';
import { debianAuditd, debianBase } from './fixture.js';

export default defineCases({
  check,
  passing: [
    {
      name: 'Debian 12: auditd installed, auditd.service enabled by a multi-user.target.wants link',
      build: (t) => debianAuditd(t),
      expect: [
        {
          status: 'pass',
          subject: 'auditd',
          message: 'auditd.service is enabled',
          evidence: ['installed: /sbin/auditd', 'unit /lib/systemd/system/auditd.service'],
        },
      ],
    },
    {
      name: 'RHEL layout: unit in /usr/lib/systemd/system, a local copy in /etc/systemd/system (remote logging setup)',
      build: async (t) => {
        await debianAuditd(t);
        await t.unit('auditd.service', '[Unit]\nDescription=Security Auditing Service\nAfter=network-online.target local-fs.target\n[Service]\nType=forking\nExecStart=/sbin/auditd\nExecStartPost=-/sbin/augenrules --load\n[Install]\nWantedBy=multi-user.target\n');
      },
      expect: [{ status: 'pass', subject: 'auditd', evidence: ['unit /etc/systemd/system/auditd.service'] }],
    },
    {
      name: 'sysvinit (Devuan): /etc/init.d/auditd with S01auditd start links',
      build: async (t) => {
        await t.file('/sbin/init', '\x7fELF', { mode: 0o755 });
        await t.file('/sbin/auditd', '\x7fELF', { mode: 0o755 });
        await t.file('/etc/init.d/auditd', '#!/bin/sh\n### BEGIN INIT INFO\n# Provides:          auditd\n### END INIT INFO\n', { mode: 0o755 });
        for (const lvl of [2, 3, 4, 5]) await t.symlink(`/etc/rc${lvl}.d/S01auditd`, '../init.d/auditd');
        await t.symlink('/etc/rc0.d/K01auditd', '../init.d/auditd');
      },
      expect: [{ status: 'pass', subject: 'auditd', message: 'auditd starts at boot from /etc/init.d/auditd (/etc/rc2.d/S01auditd, /etc/rc3.d/S01auditd, /etc/rc4.d/S01auditd, /etc/rc5.d/S01auditd)' }],
    },
  ],
  failing: [
    {
      name: 'a systemd host without auditd',
      build: (t) => debianBase(t),
      expect: [{ status: 'fail', subject: 'auditd', message: 'auditd is not installed (no /sbin/auditd or /usr/sbin/auditd)' }],
    },
    {
      name: 'installed, then `systemctl disable auditd`: no *.wants link',
      build: (t) => debianAuditd(t, { enabled: false }),
      expect: [{ status: 'fail', subject: 'auditd', message: 'auditd is installed but auditd.service is not enabled: no *.wants/ link starts it at boot', evidence: ['unit /lib/systemd/system/auditd.service'] }],
    },
    {
      name: 'masked (a link to /dev/null) while a stale wants link remains',
      build: async (t) => {
        await debianAuditd(t);
        await t.symlink('/etc/systemd/system/auditd.service', '/dev/null');
      },
      expect: [{ status: 'fail', subject: 'auditd', message: 'auditd.service is masked (/etc/systemd/system/auditd.service -> /dev/null)' }],
    },
    {
      name: 'sysvinit with only kill links (update-rc.d auditd disable)',
      build: async (t) => {
        await t.file('/sbin/init', '\x7fELF', { mode: 0o755 });
        await t.file('/sbin/auditd', '\x7fELF', { mode: 0o755 });
        await t.file('/etc/init.d/auditd', '#!/bin/sh\n', { mode: 0o755 });
        for (const lvl of [2, 3, 4, 5]) await t.symlink(`/etc/rc${lvl}.d/K01auditd`, '../init.d/auditd');
      },
      expect: [{ status: 'fail', subject: 'auditd', message: 'nothing starts it at boot (no auditd.service, no /etc/rc?.d/S??auditd link)' }],
    },
  ],
  notApplicable: [
    {
      name: 'a container image root: no init system, no auditd',
      build: async (t) => {
        await t.file('/usr/bin/gitlab-runner', '\x7fELF', { mode: 0o755 });
      },
      expect: [{ status: 'skip', subject: 'auditd', message: 'no init system' }],
    },
  ],
  errors: [
    {
      name: 'a directory where the auditd.service unit file should be',
      build: async (t) => {
        await debianAuditd(t);
        await t.dir('/etc/systemd/system/auditd.service');
      },
      expect: [{ status: 'error', subject: 'auditd', message: 'auditd.service: /etc/systemd/system/auditd.service: is a directory' }],
    },
  ],
});
