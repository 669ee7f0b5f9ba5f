import check from '../../../checks/network/metadata-blocked.js';
import { defineCases } from '../../helpers/check-cases.js';
import { dockerRunner, rulesV4, shellRunner } from './fixture.js';
import { NFT_MAIN, NFT_RUNNER, V4_ALLOWLIST } from './rulesets.js';

export default defineCases({
  check,
  passing: [
    {
      name: 'explicit REJECT for the runner uid and DROP in DOCKER-USER',
      build: async (t) => {
        await dockerRunner(t);
        await t.file('/etc/iptables/rules.v4', V4_ALLOWLIST);
      },
      expect: [
        { status: 'pass', subject: 'user:gitlab-runner', message: '169.254.169.254 is blocked for gitlab-runner (uid 998) (-A OUTPUT -d 169.254.169.254/32 -m owner --uid-owner 998 -j REJECT', evidence: ['/etc/iptables/rules.v4:8: '] },
        { status: 'pass', subject: 'containers', message: '(-A DOCKER-USER -d 169.254.169.254/32 -i docker0 -j DROP)', evidence: ['/etc/iptables/rules.v4:13: '] },
      ],
    },
    {
      name: 'nftables include: an explicit reject ahead of the allow-list',
      build: async (t) => {
        await shellRunner(t);
        await t.file('/etc/nftables.conf', NFT_MAIN);
        await t.file('/etc/nftables.d/runner.nft', NFT_RUNNER);
      },
      expect: [{ status: 'pass', subject: 'user:gitlab-runner', message: '(ip daddr 169.254.169.254 reject)', evidence: ['/etc/nftables.d/runner.nft:8: ip daddr 169.254.169.254 reject'] }],
    },
    {
      name: 'no explicit rule, but a default-deny whose allow-list does not include it',
      build: async (t) => {
        await shellRunner(t);
        await t.file('/etc/iptables/rules.v4', rulesV4(':INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT -d 10.20.0.5/32 -p tcp -m owner --uid-owner gitlab-runner --dport 443 -j ACCEPT\n-A OUTPUT -m owner --uid-owner gitlab-runner -j DROP'));
      },
      expect: [{ status: 'pass', subject: 'user:gitlab-runner', message: '(-A OUTPUT -m owner --uid-owner gitlab-runner -j DROP)' }],
    },
  ],
  failing: [
    {
      name: 'nothing persisted, docker executor',
      build: (t) => dockerRunner(t),
      expect: [
        { status: 'fail', subject: 'user:gitlab-runner', message: '169.254.169.254 (cloud metadata, instance credentials) is reachable for gitlab-runner (uid 998): accepted by no base chain on this hook' },
        { status: 'fail', subject: 'containers', message: 'is reachable for job containers from the default bridge (docker0): accepted by -A FORWARD -i docker0 ! -o docker0 -j ACCEPT' },
      ],
    },
    {
      name: 'default-deny whose allow-list accepts 169.254.0.0/16 (link-local, "for the DHCP server")',
      build: async (t) => {
        await shellRunner(t);
        await t.file('/etc/iptables/rules.v4', rulesV4(':INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT -d 169.254.0.0/16 -m owner --uid-owner gitlab-runner -j ACCEPT\n-A OUTPUT -m owner --uid-owner gitlab-runner -j DROP'));
      },
      expect: [{ status: 'fail', subject: 'user:gitlab-runner', message: 'accepted by -A OUTPUT -d 169.254.0.0/16 -m owner --uid-owner gitlab-runner -j ACCEPT', evidence: ['/etc/iptables/rules.v4:6: '] }],
    },
    {
      name: 'the metadata block is only in OUTPUT: containers cross FORWARD, where nothing blocks it',
      build: async (t) => {
        await dockerRunner(t);
        await t.file('/etc/iptables/rules.v4', rulesV4(':INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n:DOCKER-USER - [0:0]\n-A OUTPUT -d 169.254.169.254/32 -j REJECT\n-A DOCKER-USER -j RETURN'));
      },
      expect: [
        { status: 'pass', subject: 'user:gitlab-runner' },
        { status: 'fail', subject: 'containers', message: 'accepted by -A FORWARD -i docker0 ! -o docker0 -j ACCEPT' },
      ],
    },
  ],
  notApplicable: [
    {
      name: 'no runner on the host',
      build: async () => {},
      expect: [{ status: 'skip', subject: 'runner', message: 'no GitLab Runner or GitHub Actions runner found' }],
    },
  ],
  errors: [
    {
      name: 'a rules.v4 line iptables-restore would refuse',
      build: async (t) => {
        await shellRunner(t);
        await t.file('/etc/iptables/rules.v4', '*filter\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT -d 169.254.169.254 -j\nCOMMIT\n');
      },
      expect: [{ status: 'error', subject: 'user:gitlab-runner', message: '/etc/iptables/rules.v4:3: -j needs a target' }],
    },
  ],
});
