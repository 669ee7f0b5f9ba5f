import check from '../../../checks/network/egress-default-deny.js';
import { defineCases } from '../../helpers/check-cases.js';
import { dockerRunner, rulesV4, shellRunner } from './fixture.js';
import { NFT_MAIN, NFT_RUNNER, V4_ALLOWLIST, V6_DENY } from './rulesets.js';

const NOTHING_PERSISTED = 'no persisted rule set (/etc/iptables/rules.v4, rules.v6, /etc/sysconfig/iptables, /etc/nftables.conf): nothing is loaded at boot';

export default defineCases({
  check,
  passing: [
    {
      name: 'iptables-persistent: owner-match REJECT for the runner uid, DOCKER-USER REJECT for docker0, v4 and v6',
      build: async (t) => {
        await dockerRunner(t);
        await t.file('/etc/iptables/rules.v4', V4_ALLOWLIST);
        await t.file('/etc/iptables/rules.v6', V6_DENY);
      },
      expect: [
        {
          status: 'pass',
          subject: 'user:gitlab-runner',
          message: 'egress of gitlab-runner (uid 998) is default-deny (-A OUTPUT -m owner --uid-owner gitlab-runner -j REJECT --reject-with icmp-port-unreachable',
          evidence: ['/etc/iptables/rules.v4:11: -A OUTPUT -m owner --uid-owner gitlab-runner -j REJECT', 'source read: /etc/iptables/rules.v6: tables filter'],
        },
        {
          status: 'pass',
          subject: 'containers',
          message: 'egress of job containers is default-deny (-A DOCKER-USER -i docker0 -j REJECT --reject-with icmp-port-unreachable)',
          evidence: ['/etc/iptables/rules.v4:15: -A DOCKER-USER -i docker0 -j REJECT', 'dockerd (inserted into FORWARD when it starts): -A FORWARD -j DOCKER-USER'],
        },
      ],
    },
    {
      name: 'nftables.conf including /etc/nftables.d/*.nft: inet table, meta skuid, a set of allowed addresses',
      build: async (t) => {
        await shellRunner(t);
        await t.file('/etc/nftables.conf', NFT_MAIN);
        await t.file('/etc/nftables.d/runner.nft', NFT_RUNNER);
      },
      expect: [{ status: 'pass', subject: 'user:gitlab-runner', message: '(counter reject with icmpx type admin-prohibited)', evidence: ['/etc/nftables.d/runner.nft:11: counter reject with icmpx type admin-prohibited'] }],
    },
    {
      name: 'a dedicated runner host: OUTPUT policy DROP for everyone, the allow-list by address (/etc/sysconfig/iptables)',
      build: async (t) => {
        await shellRunner(t);
        await t.file('/etc/sysconfig/iptables', rulesV4(':INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT DROP [0:0]\n-A OUTPUT -o lo -j ACCEPT\n-A OUTPUT -m state --state RELATED,ESTABLISHED -j ACCEPT\n-A OUTPUT -d 10.20.0.5/32 -p tcp --dport 443 -j ACCEPT\n-A OUTPUT -p udp -d 10.20.0.2 --dport 53 -j ACCEPT'));
        await t.file('/etc/sysconfig/ip6tables', '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT DROP [0:0]\nCOMMIT\n');
      },
      expect: [{ status: 'pass', subject: 'user:gitlab-runner', message: 'policy drop of ip filter OUTPUT', evidence: ['/etc/sysconfig/iptables:5: :OUTPUT DROP'] }],
    },
  ],
  failing: [
    {
      name: 'nothing persisted: runner user and job containers both open',
      build: (t) => dockerRunner(t),
      expect: [
        { status: 'fail', subject: 'user:gitlab-runner', message: 'no DROP/REJECT default for traffic of gitlab-runner (uid 998): a new connection to any address is accepted (no base chain on this hook (the kernel accepts))', evidence: [NOTHING_PERSISTED] },
        { status: 'fail', subject: 'containers', message: 'job containers from the default bridge (docker0): a new connection to any address is accepted (-A FORWARD -i docker0 ! -o docker0 -j ACCEPT)', evidence: ['dockerd (inserted into FORWARD when it starts): -A FORWARD -i docker0 ! -o docker0 -j ACCEPT'] },
      ],
    },
    {
      name: 'rules only for another uid (a REJECT for uid 1001, not the runner)',
      build: async (t) => {
        await shellRunner(t);
        await t.file('/etc/iptables/rules.v4', rulesV4(':INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT -m owner --uid-owner 1001 -j REJECT'));
      },
      expect: [{ status: 'fail', subject: 'user:gitlab-runner', message: '(policy accept of ip filter OUTPUT)', evidence: ['/etc/iptables/rules.v4:5: :OUTPUT ACCEPT'] }],
    },
    {
      name: 'per-build networks (FF_NETWORK_PER_BUILD): DOCKER-USER covers docker0 only, br-* is open',
      build: async (t) => {
        await dockerRunner(t);
        await t.file(
          '/etc/gitlab-runner/config.toml',
          'concurrent = 2\n[[runners]]\n\tname = "docker-1"\n\turl = "https://gitlab.example.com/"\n\ttoken = "glrt-x"\n\texecutor = "docker"\n\tenvironment = ["FF_NETWORK_PER_BUILD=true"]\n\t[runners.docker]\n\t\timage = "alpine:3.20"\n',
          { mode: 0o600 },
        );
        await t.file('/etc/iptables/rules.v4', V4_ALLOWLIST);
        await t.file('/etc/iptables/rules.v6', V6_DENY);
      },
      expect: [
        { status: 'pass', subject: 'user:gitlab-runner' },
        { status: 'fail', subject: 'containers', message: 'from user-defined networks (br-*): per-build/custom networks of runner:docker-1: a new connection to any address is accepted (-A FORWARD -i br-<network> ! -o br-<network> -j ACCEPT)', evidence: ['dockerd (inserted into FORWARD when it starts): -A FORWARD -i br-<network> ! -o br-<network> -j ACCEPT'] },
      ],
    },
  ],
  notApplicable: [
    {
      name: 'no GitLab Runner or Actions runner on the host',
      build: async (t) => {
        await t.file('/etc/iptables/rules.v4', V4_ALLOWLIST);
      },
      expect: [{ status: 'skip', subject: 'runner', message: 'no GitLab Runner or GitHub Actions runner found' }],
    },
  ],
  errors: [
    {
      name: 'attacker: an Actions runner without a unit whose dir and .runner have different owners is not judged as root\'s traffic: error, its user unknown',
      build: async (t) => {
        await t.useradd('gh', { uid: 1200 });
        await t.useradd('ci', { uid: 1300 });
        await t.dir('/home/gh/actions-runner', { uid: 1200, gid: 1200 });
        await t.file('/home/gh/actions-runner/.runner', '{"agentName": "gh-1", "workFolder": "_work"}', { uid: 1300, gid: 1300 });
        await t.file('/etc/iptables/rules.v4', V4_ALLOWLIST);
      },
      expect: [{ status: 'error', subject: 'github-runner:/home/gh/actions-runner', message: /^the user of the Actions runner at \/home\/gh\/actions-runner could not be told/ }],
    },
    {
      name: 'rules.v4 cut off in the middle (no COMMIT): error naming the file',
      build: async (t) => {
        await shellRunner(t);
        await t.file('/etc/iptables/rules.v4', '*filter\n:INPUT ACCEPT [0:0]\n:OUTPUT DROP [0:0]\n-A OUTPUT -o lo -j ACCEPT\n');
      },
      expect: [{ status: 'error', subject: 'user:gitlab-runner', message: /^\/etc\/iptables\/rules\.v4(:\d+)?: / }],
    },
    {
      name: 'binary garbage in /etc/nftables.conf',
      build: async (t) => {
        await shellRunner(t);
        await t.file('/etc/nftables.conf', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0xff]));
      },
      expect: [{ status: 'error', subject: 'user:gitlab-runner', message: '/etc/nftables.conf: binary data, not a rule set' }],
    },
    {
      name: 'an include that names a missing file',
      build: async (t) => {
        await shellRunner(t);
        await t.file('/etc/nftables.conf', 'flush ruleset\ninclude "/etc/nftables.d/runner.nft"\n');
      },
      expect: [{ status: 'error', subject: 'user:gitlab-runner', message: '/etc/nftables.conf:2: include "/etc/nftables.d/runner.nft": /etc/nftables.d/runner.nft does not exist' }],
    },
    {
      name: 'the runner user is missing from /etc/passwd',
      build: async (t) => {
        await shellRunner(t);
        await t.file('/etc/passwd', 'root:x:0:0:root:/root:/bin/bash\n');
      },
      expect: [{ status: 'error', subject: 'user:gitlab-runner', message: 'runner user gitlab-runner is not in the target\'s /etc/passwd' }],
    },
  ],
});
