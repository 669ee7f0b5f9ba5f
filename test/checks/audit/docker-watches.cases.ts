import check from '../../../checks/audit/docker-watches.js';
import { defineCases } from '../../helpers/check-cases.js';
import type { FixtureTree } from '../../helpers/fixture-tree.js';
import { CIS_DOCKER_RULES, DEBIAN_DEFAULT_RULES, debianAuditd, debianBase, dockerCeAndRunner } from './fixture.js';

const ALL = '/usr/bin/dockerd, /usr/bin/containerd, /var/lib/docker, /etc/docker, /etc/docker/daemon.json, docker.service, docker.socket, /etc/default/docker, /etc/gitlab-runner';

/** Docker and a runner, every path of theirs watched in the audit.rules the auditd unit loads with auditctl -R (no augenrules). */
async function directRules(t: FixtureTree): Promise<void> {
  await debianAuditd(t);
  await t.file('/usr/bin/dockerd', '\x7fELF', { mode: 0o755 });
  await t.file('/etc/gitlab-runner/config.toml', 'concurrent = 1\n', { mode: 0o600 });
  await t.unit('auditd.service', '[Service]\nType=forking\nExecStart=/sbin/auditd\nExecStartPost=-/sbin/auditctl -R /etc/audit/audit.rules\n');
  await t.file('/etc/audit/audit.rules', '-D\n-b 8192\n-w /usr/bin/dockerd -p x -k docker\n-w /etc/gitlab-runner/ -p wa -k runner\n', { mode: 0o640 });
}

export default defineCases({
  check,
  passing: [
    {
      name: 'CIS rules in rules.d: -w, syscall rules with path=/dir=, usrmerged unit paths, a dir watch covering daemon.json',
      build: async (t) => {
        await debianAuditd(t);
        await dockerCeAndRunner(t);
        await t.file('/etc/audit/rules.d/docker.rules', CIS_DOCKER_RULES, { mode: 0o640 });
      },
      expect: [
        {
          status: 'pass',
          subject: 'audit-rules',
          message: `every Docker and runner path present is watched: ${ALL}`,
          evidence: [
            'rules from /etc/audit/rules.d/audit.rules, /etc/audit/rules.d/docker.rules',
            '/usr/bin/dockerd: watched by "-w /usr/bin/dockerd -k docker" (/etc/audit/rules.d/docker.rules:2)',
            '/usr/bin/containerd: watched by "-a always,exit -F path=/usr/bin/containerd -F perm=x -F key=docker" (/etc/audit/rules.d/docker.rules:3)',
            '/etc/docker/daemon.json: watched by "-w /etc/docker -p wa -k docker" (/etc/audit/rules.d/docker.rules:5)',
            'docker.service (/lib/systemd/system/docker.service): watched by "-w /usr/lib/systemd/system/docker.service -k docker" (/etc/audit/rules.d/docker.rules:6)',
            /^\/etc\/default\/docker: watched by "-a always,exit -F arch=b64 -S openat,truncate,ftruncate -F dir=\/etc\/default\/ /,
          ],
        },
      ],
    },
    {
      name: "10-docker.rules sorts before Debian's audit.rules: augenrules hoists its -D, the watches stay",
      build: async (t) => {
        await debianAuditd(t);
        await dockerCeAndRunner(t);
        await t.file('/etc/audit/rules.d/10-docker.rules', CIS_DOCKER_RULES, { mode: 0o640 });
        await t.file('/etc/audit/rules.d/99-finalize.rules', '## Make the configuration immutable\n-e 2\n', { mode: 0o640 });
      },
      expect: [{ status: 'pass', subject: 'audit-rules', evidence: ['rules from /etc/audit/rules.d/10-docker.rules, /etc/audit/rules.d/99-finalize.rules, /etc/audit/rules.d/audit.rules'] }],
    },
    {
      name: 'unit loads audit.rules with auditctl -R (no augenrules): rules.d is not used',
      build: async (t) => {
        await directRules(t);
      },
      expect: [{ status: 'pass', subject: 'audit-rules', message: 'is watched: /usr/bin/dockerd, /etc/gitlab-runner', evidence: ['rules from /etc/audit/audit.rules'] }],
    },
  ],
  failing: [
    {
      name: 'attacker: the watches are there, but a uid 999 drop-in of auditd.service could point auditctl -R elsewhere: warn, not pass',
      build: async (t) => {
        await directRules(t);
        await t.file('/etc/systemd/system/auditd.service.d/50-local.conf', '[Service]\nNice=0\n', { uid: 999, gid: 999 });
      },
      expect: [{ status: 'warn', subject: 'audit-rules', message: /^not a pass: auditd\.service takes settings from files a user other than root can rewrite \(\/etc\/systemd\/system\/auditd\.service\.d\/50-local\.conf is owned by uid 999\)/ }],
    },
    {
      name: "Docker and a runner with Debian's default rules only: every present path listed",
      build: async (t) => {
        await debianAuditd(t);
        await dockerCeAndRunner(t);
      },
      expect: [
        {
          status: 'fail',
          subject: 'audit-rules',
          message: 'no audit watch for /usr/bin/dockerd, /usr/bin/containerd, /var/lib/docker, /etc/docker, /etc/docker/daemon.json, docker.service (/lib/systemd/system/docker.service), docker.socket (/lib/systemd/system/docker.socket), /etc/default/docker, /etc/gitlab-runner',
          evidence: ['/usr/bin/containerd: no watch (CIS Docker 1.1.14)', '/etc/gitlab-runner: no watch'],
        },
      ],
    },
    {
      name: 'exact matching: containerd-shim is not containerd, a file watch or a subdir watch does not cover its parent, never rules do not watch',
      build: async (t) => {
        await debianAuditd(t);
        await dockerCeAndRunner(t);
        await t.file(
          '/etc/audit/rules.d/docker.rules',
          `-w /usr/bin/dockerd -k docker
-w /usr/bin/containerd-shim -k docker
-w /usr/bin/containerd-shim-runc-v2 -k docker
-w /etc/docker/daemon.json -k docker
-w /var/lib/docker/volumes -k docker
-w /lib/systemd/system/docker.service -k docker
-w /lib/systemd/system/docker.socket -k docker
-w /etc/default/docker -k docker
-a never,exit -F dir=/etc/gitlab-runner -F perm=wa
-a exit,never -F path=/usr/bin/containerd
`,
          { mode: 0o640 },
        );
      },
      expect: [{ status: 'fail', subject: 'audit-rules', message: /^no audit watch for \/usr\/bin\/containerd, \/var\/lib\/docker, \/etc\/docker, \/etc\/gitlab-runner$/ }],
    },
    {
      name: 'watches removed later: -W in a later file, -D -k for one key',
      build: async (t) => {
        await debianAuditd(t);
        await dockerCeAndRunner(t);
        await t.file('/etc/audit/rules.d/50-docker.rules', CIS_DOCKER_RULES, { mode: 0o640 });
        await t.file('/etc/audit/rules.d/90-local.rules', '# noisy on this host\n-W /var/lib/docker\n-D -k gitlab-runner\n', { mode: 0o640 });
      },
      expect: [{ status: 'fail', subject: 'audit-rules', message: /^no audit watch for \/var\/lib\/docker, \/etc\/gitlab-runner$/ }],
    },
    {
      name: 'a shell-executor runner host without Docker: only /etc/gitlab-runner matters',
      build: async (t) => {
        await debianAuditd(t);
        await t.file('/etc/gitlab-runner/config.toml', 'concurrent = 1\n', { mode: 0o600 });
      },
      expect: [{ status: 'fail', subject: 'audit-rules', message: /^no audit watch for \/etc\/gitlab-runner$/, evidence: ['rules from /etc/audit/rules.d/audit.rules'] }],
    },
  ],
  notApplicable: [
    {
      name: 'auditd not installed (RG-AUDIT-001 reports it)',
      build: async (t) => {
        await debianBase(t);
        await dockerCeAndRunner(t);
      },
      expect: [{ status: 'skip', subject: 'audit-rules', message: 'auditd is not installed' }],
    },
    {
      name: 'auditd, but neither Docker nor GitLab Runner files',
      build: (t) => debianAuditd(t),
      expect: [{ status: 'skip', subject: 'audit-rules', message: 'no Docker or GitLab Runner files to watch' }],
    },
  ],
  errors: [
    {
      name: 'a line auditctl would reject: file and line named',
      build: async (t) => {
        await debianAuditd(t, { rules: `${DEBIAN_DEFAULT_RULES}watch /etc/docker\n` });
        await dockerCeAndRunner(t);
      },
      expect: [{ status: 'error', subject: 'audit-rules', message: '/etc/audit/rules.d/audit.rules:14: not an auditctl rule: watch /etc/docker' }],
    },
    {
      name: 'binary garbage in a rules file',
      build: async (t) => {
        await debianAuditd(t);
        await dockerCeAndRunner(t);
        await t.file('/etc/audit/rules.d/docker.rules', Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xfe]), { mode: 0o640 });
      },
      expect: [{ status: 'error', subject: 'audit-rules', message: '/etc/audit/rules.d/docker.rules: binary data, not audit rules' }],
    },
    {
      name: 'a directory named like a rules file',
      build: async (t) => {
        await debianAuditd(t);
        await dockerCeAndRunner(t);
        await t.dir('/etc/audit/rules.d/docker.rules');
      },
      expect: [{ status: 'error', subject: 'audit-rules', message: '/etc/audit/rules.d/docker.rules: is a directory' }],
    },
  ],
});
