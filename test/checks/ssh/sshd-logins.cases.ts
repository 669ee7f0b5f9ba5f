import check from '../../../checks/ssh/sshd-logins.js';
import { defineCases } from '../../helpers/check-cases.js';
import { DEBIAN_SSHD_CONFIG, sshd } from './fixture.js';

const CONFIG = '/etc/ssh/sshd_config';
const DROPIN = '/etc/ssh/sshd_config.d';

export default defineCases({
  check,
  passing: [
    {
      name: 'both set to no in sshd_config',
      build: (t) => sshd(t, 'Port 22\nPermitRootLogin no\nPasswordAuthentication no\n'),
      expect: [
        { status: 'pass', subject: CONFIG, evidence: [`${CONFIG}:2: PermitRootLogin no`, `${CONFIG}:3: PasswordAuthentication no`, `source: ${CONFIG}`] },
      ],
    },
    {
      name: 'Debian layout: a drop-in included at the top wins over later lines of the main file',
      build: async (t) => {
        await sshd(t, `${DEBIAN_SSHD_CONFIG}PermitRootLogin yes\nPasswordAuthentication yes\n`);
        await t.file(`${DROPIN}/00-hardening.conf`, '# managed by ansible\nPermitRootLogin no\n\tPasswordAuthentication   no # keys only\n');
      },
      expect: [
        {
          status: 'pass',
          subject: CONFIG,
          evidence: [`${DROPIN}/00-hardening.conf:2: PermitRootLogin no`, `${DROPIN}/00-hardening.conf:3: PasswordAuthentication no`, `source: ${CONFIG} (+ 1 included file)`],
        },
      ],
    },
    {
      name: 'keywords and values in any case, Keyword=value, quoted values',
      build: (t) => sshd(t, 'permitrootlogin NO\nPASSWORDAUTHENTICATION="no"\n'),
      expect: [{ status: 'pass', subject: CONFIG }],
    },
    {
      name: 'Match blocks do not change the global value (they show up as evidence)',
      build: (t) =>
        sshd(t, 'PermitRootLogin no\nPasswordAuthentication no\nMatch Address 10.0.0.0/8\n  PasswordAuthentication yes\n  PermitRootLogin yes\n'),
      expect: [
        {
          status: 'pass',
          subject: CONFIG,
          evidence: [`Match Address 10.0.0.0/8 (${CONFIG}:3) applies only to matching connections, not the global value: PasswordAuthentication yes`],
        },
      ],
    },
    {
      name: 'a Match all block applies to every connection: it overrides an earlier global value, as sshd -T shows',
      build: (t) => sshd(t, 'PasswordAuthentication yes\nPermitRootLogin no\nMatch all\n  PasswordAuthentication no\n'),
      expect: [{ status: 'pass', subject: CONFIG, evidence: [`${CONFIG}:4: PasswordAuthentication no`] }],
    },
    {
      name: 'an Include inside a Match block stays inside it; the global lines after Match all count',
      build: async (t) => {
        await sshd(t, 'Match User admin\n  Include /etc/ssh/admin.d/*.conf\nMatch all\nPermitRootLogin no\nPasswordAuthentication no\n');
        await t.file('/etc/ssh/admin.d/root.conf', 'PermitRootLogin yes\nPasswordAuthentication yes\nMatch all\nPermitRootLogin yes\n');
      },
      expect: [{ status: 'pass', subject: CONFIG, evidence: [`${CONFIG}:4: PermitRootLogin no`] }],
    },
  ],
  failing: [
    {
      name: 'Debian defaults: PasswordAuthentication yes, PermitRootLogin prohibit-password (defaults)',
      build: (t) => sshd(t),
      expect: [
        {
          status: 'fail',
          subject: CONFIG,
          message: 'sshd accepts risky logins: every account with passwords set can log in with them (PasswordAuthentication yes)',
          evidence: ['default: PermitRootLogin prohibit-password', 'default: PasswordAuthentication yes'],
        },
      ],
    },
    {
      name: 'cloud-init drop-in turns passwords on before the main file turns them off',
      build: async (t) => {
        await sshd(t, `${DEBIAN_SSHD_CONFIG}PasswordAuthentication no\nPermitRootLogin no\n`);
        await t.file(`${DROPIN}/50-cloud-init.conf`, 'PasswordAuthentication yes\n');
      },
      expect: [{ status: 'fail', subject: CONFIG, message: /PasswordAuthentication yes\)$/, evidence: [`${DROPIN}/50-cloud-init.conf:1: PasswordAuthentication yes`] }],
    },
    {
      name: 'Include glob expands in lexical order: 10-a.conf comes before 9-b.conf',
      build: async (t) => {
        await sshd(t, 'Include sshd_config.d/*.conf\nPasswordAuthentication no\n');
        await t.file(`${DROPIN}/9-b.conf`, 'PermitRootLogin no\n');
        await t.file(`${DROPIN}/10-a.conf`, 'PermitRootLogin yes\n');
        await t.file(`${DROPIN}/.hidden.conf`, 'PermitRootLogin no\n');
      },
      expect: [
        { status: 'fail', subject: CONFIG, message: 'sshd accepts risky logins: root can log in with passwords or keys (PermitRootLogin yes)', evidence: [`${DROPIN}/10-a.conf:1: PermitRootLogin yes`] },
      ],
    },
    {
      name: 'root and passwords both allowed: one finding naming both',
      build: (t) => sshd(t, 'PermitRootLogin yes\nPasswordAuthentication yes\n'),
      expect: [{ status: 'fail', subject: CONFIG, message: /PermitRootLogin yes\); every account .*PasswordAuthentication yes\)$/ }],
    },
    {
      name: 'PermitRootLogin forced-commands-only is not no/prohibit-password',
      build: (t) => sshd(t, 'PermitRootLogin forced-commands-only\nPasswordAuthentication no\n'),
      expect: [{ status: 'fail', subject: CONFIG, message: 'root can log in (PermitRootLogin forced-commands-only)' }],
    },
    {
      name: 'PermitRootLogin prohibit-password: warn',
      build: (t) => sshd(t, 'PermitRootLogin prohibit-password\nPasswordAuthentication no\n'),
      expect: [{ status: 'warn', subject: CONFIG, message: 'root can still log in over SSH with a key (PermitRootLogin prohibit-password)', evidence: [`${CONFIG}:1: PermitRootLogin prohibit-password`] }],
    },
    {
      name: 'without-password is the deprecated alias of prohibit-password',
      build: (t) => sshd(t, 'PasswordAuthentication no\nPermitRootLogin without-password\n'),
      expect: [{ status: 'warn', subject: CONFIG, evidence: [`${CONFIG}:2: PermitRootLogin prohibit-password`] }],
    },
    {
      name: 'lines after "Match all" are global again',
      build: (t) => sshd(t, 'PermitRootLogin no\nMatch User deploy\n  PasswordAuthentication no\nMatch all\nPasswordAuthentication yes\n'),
      expect: [{ status: 'fail', subject: CONFIG, evidence: [`${CONFIG}:5: PasswordAuthentication yes`] }],
    },
  ],
  notApplicable: [
    {
      name: 'no sshd installed',
      build: async () => {},
      expect: [{ status: 'skip', subject: 'sshd', message: 'sshd is not installed' }],
    },
  ],
  errors: [
    {
      name: 'an unsupported value: sshd would refuse to start',
      build: (t) => sshd(t, 'PasswordAuthentication no\nPermitRootLogin maybe\n'),
      expect: [{ status: 'error', subject: CONFIG, message: `${CONFIG}:2: unsupported permitrootlogin value "maybe"` }],
    },
    {
      name: 'a keyword without a value',
      build: (t) => sshd(t, 'PermitRootLogin\n'),
      expect: [{ status: 'error', subject: CONFIG, message: `${CONFIG}:1: no argument after keyword "PermitRootLogin"` }],
    },
    {
      name: 'unbalanced quotes',
      build: (t) => sshd(t, 'Banner "/etc/issue.net\n'),
      expect: [{ status: 'error', subject: CONFIG, message: `${CONFIG}:1: invalid quotes` }],
    },
    {
      name: 'a drop-in that includes itself',
      build: async (t) => {
        await sshd(t, DEBIAN_SSHD_CONFIG);
        await t.file(`${DROPIN}/loop.conf`, 'Include /etc/ssh/sshd_config.d/loop.conf\n');
      },
      expect: [{ status: 'error', subject: CONFIG, message: `${DROPIN}/loop.conf:1: too many nested Includes` }],
    },
    {
      name: 'sshd_config is a directory',
      build: async (t) => {
        await t.file('/usr/sbin/sshd', '#!/bin/sh\n', { mode: 0o755 });
        await t.dir(CONFIG);
      },
      expect: [{ status: 'error', subject: CONFIG, message: `${CONFIG}: is a directory` }],
    },
    {
      name: 'binary garbage in a drop-in',
      build: async (t) => {
        await sshd(t);
        await t.file(`${DROPIN}/broken.conf`, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1]));
      },
      expect: [{ status: 'error', subject: CONFIG, message: `${DROPIN}/broken.conf: binary data` }],
    },
    {
      name: 'sshd installed, sshd_config missing',
      build: (t) => t.file('/usr/sbin/sshd', '#!/bin/sh\n', { mode: 0o755 }).then(() => undefined),
      expect: [{ status: 'error', subject: CONFIG, message: `${CONFIG}: does not exist` }],
    },
  ],
});
