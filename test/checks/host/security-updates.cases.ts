import { execFileSync } from 'node:child_process';
import { symlink, truncate, utimes } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
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


const LISTS = '/var/lib/apt/lists';
const SEC = `${LISTS}/deb.debian.org_debian-security_dists_bookworm-security`;
const SEC_PACKAGES = `${SEC}_main_binary-amd64_Packages`;

/** dpkg's status as dpkg writes it (fields in its order, a multi-line Description). */
const STATUS = `Package: openssl
Status: install ok installed
Priority: optional
Section: utils
Installed-Size: 2277
Maintainer: Debian OpenSSL Team <pkg-openssl-devel@alioth-lists.debian.net>
Architecture: amd64
Version: 3.0.11-1~deb12u2
Depends: libc6 (>= 2.34), libssl3 (>= 3.0.9)
Description: Secure Sockets Layer toolkit - cryptographic utility
 This package is part of the OpenSSL project's implementation of the SSL
 and TLS cryptographic protocols for secure communication over the
 Internet.

Package: libc6
Status: hold ok installed
Priority: optional
Section: libs
Installed-Size: 12986
Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
Architecture: amd64
Multi-Arch: same
Source: glibc
Version: 2.36-9+deb12u7
Description: GNU C Library: Shared libraries

Package: curl
Status: install ok installed
Architecture: amd64
Version: 7.88.1-10+deb12u8
Description: command line tool for transferring data with URL syntax

Package: tzdata
Status: deinstall ok config-files
Architecture: all
Version: 2024a-0+deb12u1
Description: time zone and daylight-saving time data
`;

/** One stanza of a Packages list as the archive publishes it. */
function stanza(pkg: string, version: string, arch = 'amd64', source = pkg): string {
  return `Package: ${pkg}
Source: ${source}
Version: ${version}
Installed-Size: 1024
Maintainer: Debian Security Team <team@security.debian.org>
Architecture: ${arch}
Description: ${pkg} (security update)
Description-md5: 0123456789abcdef0123456789abcdef
Section: misc
Priority: optional
Filename: pool/updates/main/${source[0]}/${source}/${pkg}_${version}_${arch}.deb
Size: 4242
SHA256: 0000000000000000000000000000000000000000000000000000000000000000

`;
}

/** The security suite's lists as `apt update` leaves them; `fetchedAt` sets InRelease's time. */
async function securityLists(t: FixtureTree, packages: string | Buffer, o: { fetchedAt?: string; name?: string } = {}): Promise<void> {
  await t.file(`${SEC}_InRelease`, '-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nOrigin: Debian\nSuite: stable-security\nCodename: bookworm-security\n');
  const when = new Date(o.fetchedAt ?? '2026-09-10T06:00:00Z');
  await utimes(t.p(`${SEC}_InRelease`), when, when);
  await t.file(o.name ?? SEC_PACKAGES, packages as string);
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
      name: 'the security list (fetched this morning) offers nothing newer than dpkg has: an older curl, the same libc6, an uninstalled tzdata, a package not installed',
      now: NOW,
      build: async (t) => {
        await debian(t);
        await t.file('/var/lib/dpkg/status', STATUS);
        await securityLists(t, stanza('curl', '7.88.1-10+deb12u7') + stanza('libc6', '2.36-9+deb12u7', 'amd64', 'glibc') + stanza('tzdata', '2025b-0+deb12u1', 'all') + stanza('nginx', '1.22.1-9+deb12u1'));
      },
      expect: [{ status: 'pass', subject: 'security-updates', evidence: [/^security lists: \/var\/lib\/apt\/lists\/deb\.debian\.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages; fetched 2026-09-10 \(0 days ago\)$/] }],
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
      name: 'the security list offers newer openssl (a ~deb12u pre-release order) and libc6 (held): a warn naming each, installed -> candidate',
      now: NOW,
      build: async (t) => {
        await debian(t);
        await t.file('/var/lib/dpkg/status', STATUS);
        await securityLists(t, stanza('openssl', '3.0.11-1~deb12u1') + stanza('openssl', '3.0.15-1~deb12u1') + stanza('libc6', '2.36-9+deb12u10', 'amd64', 'glibc') + stanza('curl', '7.88.1-10+deb12u8'));
      },
      expect: [{ status: 'warn', subject: 'security-updates', message: 'unattended-upgrades is set up, but 2 security update(s) pending: libc6 2.36-9+deb12u7 -> 2.36-9+deb12u10, openssl 3.0.11-1~deb12u2 -> 3.0.15-1~deb12u1' }],
    },
    {
      name: 'gzip-compressed list (Acquire::GzipIndexes) fetched 30 days ago: the pending update is found, and the answer may be stale',
      now: NOW,
      build: async (t) => {
        await debian(t);
        await t.file('/var/lib/dpkg/status', STATUS);
        await securityLists(t, gzipSync(stanza('curl', '7.88.1-10+deb12u12')), { fetchedAt: '2026-08-11T06:00:00Z', name: `${SEC_PACKAGES}.gz` });
      },
      expect: [{ status: 'warn', subject: 'security-updates', message: /1 security update\(s\) pending: curl 7\.88\.1-10\+deb12u8 -> 7\.88\.1-10\+deb12u12; the package lists are 30 days old, so this answer may be stale/ }],
    },
    {
      name: "lz4-compressed list as Debian's container images keep them (docker-gzip-indexes), written by the real lz4 tool: the pending update is found",
      now: NOW,
      build: async (t) => {
        await debian(t);
        await t.file('/var/lib/dpkg/status', STATUS);
        await securityLists(t, execFileSync('lz4', ['-c'], { input: stanza('nginx', '1.22.1-9+deb12u2') + stanza('openssl', '3.0.15-1~deb12u1') }), { name: `${SEC_PACKAGES}.lz4` });
      },
      expect: [{ status: 'warn', subject: 'security-updates', message: 'unattended-upgrades is set up, but 1 security update(s) pending: openssl 3.0.11-1~deb12u2 -> 3.0.15-1~deb12u1' }],
    },
    {
      name: 'attacker-shaped lists: binary garbage, a 65 MiB list, a truncated lz4 list and a stanza with control characters in its name: bounded, a warn, nothing printed from them',
      now: NOW,
      build: async (t) => {
        await debian(t);
        await t.file('/var/lib/dpkg/status', STATUS);
        await securityLists(t, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 0xff, 0xfe, 10, 10]));
        await t.file(`${LISTS}/evil-security_dists_x_main_binary-amd64_Packages`, '');
        await truncate(t.p(`${LISTS}/evil-security_dists_x_main_binary-amd64_Packages`), 65 * 1024 * 1024);
        await t.file(`${LISTS}/lz-security_dists_y_main_binary-amd64_Packages.lz4`, '\x04"M\x18');
        await t.file(`${LISTS}/odd-security_dists_z_main_binary-amd64_Packages`, stanza('curl\u001b[2J', '99:1') + stanza('curl', '99:1\u0007'));
      },
      expect: [
        {
          status: 'warn',
          subject: 'security-updates',
          message: /^unattended-upgrades is set up, but 4 security package list\(s\) could not be read, so pending updates may be missed$/,
          evidence: [/_main_binary-amd64_Packages: binary data, not a Packages list$/, /evil-security_dists_x_main_binary-amd64_Packages: is too large to read$/, /\.lz4: truncated lz4 data$/, /odd-security_dists_z_main_binary-amd64_Packages: no package stanza in it, not a Packages list$/],
        },
      ],
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
