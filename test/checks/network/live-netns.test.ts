import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../../agent/engine/types.js';
import { buildBundle } from '../../helpers/cli.js';
import { gitlabRunnerUnit } from '../../helpers/fixture-tree.js';

/**
 * RG-NET-001/002 on a live kernel: each scenario loads a real rule set (iptables-nft,
 * iptables-legacy, nft, or a mix) into a fresh network namespace, opens real connections
 * as the runner uid, as root and from two "container" namespaces behind docker0 and a
 * br-* bridge, and then runs the built agent's live audit in the same namespace. The
 * verdicts must agree with what the kernel did.
 */
const RUNNER_UID = 998;
const HERE = path.dirname(new URL(import.meta.url).pathname);
const SCENARIO = path.join(HERE, 'netns', 'scenario.sh');
let bundle: string;
const dirs: string[] = [];

beforeAll(() => {
  bundle = buildBundle();
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  rmSync(path.dirname(bundle), { recursive: true, force: true });
});

interface Outcome {
  connections: Map<string, string>;
  findings: Finding[];
  load: string;
}

/** The four targets the scenario can probe. */
const MD = '169.254.169.254 80';
const ALLOWED = '203.0.113.10 443';
const OTHER = '203.0.113.10 8080';

function scenario(name: string, load: string, probes: string[]): Outcome {
  const w = mkdtempSync(path.join(os.tmpdir(), `rg-netns-${name}-`));
  dirs.push(w);
  chmodSync(w, 0o755);
  mkdirSync(path.join(w, 'etc/systemd/system'), { recursive: true });
  mkdirSync(path.join(w, 'etc/gitlab-runner'), { recursive: true });
  const passwd = readFileSync('/etc/passwd', 'utf8').split('\n').filter((l) => l && !l.startsWith('gitlab-runner:'));
  const group = readFileSync('/etc/group', 'utf8').split('\n').filter((l) => l && !l.startsWith('gitlab-runner:'));
  writeFileSync(path.join(w, 'etc/passwd'), [...passwd, `gitlab-runner:x:${RUNNER_UID}:${RUNNER_UID}::/home/gitlab-runner:/bin/bash`, ''].join('\n'));
  writeFileSync(path.join(w, 'etc/group'), [...group, `gitlab-runner:x:${RUNNER_UID}:`, ''].join('\n'));
  const config = path.join(w, 'etc/gitlab-runner/config.toml');
  writeFileSync(
    config,
    'concurrent = 2\n[[runners]]\n\tname = "docker-1"\n\turl = "https://gitlab.example.com/"\n\ttoken = "glrt-netnstest"\n\texecutor = "docker"\n\tenvironment = ["FF_NETWORK_PER_BUILD=true"]\n\t[runners.docker]\n\t\timage = "alpine:3.20"\n',
    { mode: 0o600 },
  );
  writeFileSync(path.join(w, 'etc/systemd/system/gitlab-runner.service'), gitlabRunnerUnit({ config, userArg: 'gitlab-runner' }));
  writeFileSync(path.join(w, 'load.sh'), `set -euxo pipefail\n${load}\n`);
  writeFileSync(path.join(w, 'probes'), probes.join('\n') + '\n');
  const r = spawnSync('unshare', ['-n', '-m', '--propagation', 'private', 'bash', SCENARIO], {
    env: { ...process.env, W: w, BUNDLE: bundle, NODE: process.execPath },
    encoding: 'utf8',
    timeout: 120_000,
  });
  const loadLog = (() => {
    try {
      return readFileSync(path.join(w, 'out/load.log'), 'utf8');
    } catch {
      return '';
    }
  })();
  if (r.status !== 0) throw new Error(`scenario ${name} exited ${r.status}: ${r.stderr}\n${loadLog}`);
  const connections = new Map<string, string>();
  for (const line of readFileSync(path.join(w, 'out/connect.txt'), 'utf8').trim().split('\n')) {
    const [who, host, port, ...what] = line.split(' ');
    connections.set(`${who} ${host} ${port}`, what.join(' '));
  }
  const report = JSON.parse(readFileSync(path.join(w, 'out/audit.json'), 'utf8')) as { findings: Finding[] };
  return { connections, findings: report.findings, load: loadLog };
}

const PROBES = [
  `uid:${RUNNER_UID} ${ALLOWED}`,
  `uid:${RUNNER_UID} ${OTHER}`,
  `uid:${RUNNER_UID} ${MD}`,
  `uid:0 ${OTHER}`,
  `uid:0 ${MD}`,
  `ns:ct0 ${ALLOWED}`,
  `ns:ct0 ${OTHER}`,
  `ns:ct0 ${MD}`,
  `ns:ct1 ${OTHER}`,
  `ns:ct1 ${MD}`,
];

function finding(o: Outcome, check: string, subject: string): Finding {
  const f = o.findings.find((x) => x.check === check && x.subject === subject);
  if (!f) throw new Error(`no ${check} ${subject} finding in ${JSON.stringify(o.findings.map((x) => [x.check, x.subject, x.status, x.message]))}`);
  return f;
}

/** What the kernel did decides what the agent must say: reachable ⇔ fail. */
function agree(o: Outcome): void {
  const got = (k: string) => o.connections.get(k);
  const reachable = (who: string, target: string) => got(`${who} ${target}`) === 'open';
  const md = finding(o, 'RG-NET-002', 'user:gitlab-runner');
  expect(md.status, md.message).toBe(reachable(`uid:${RUNNER_UID}`, MD) ? 'fail' : 'pass');
  const mdc = finding(o, 'RG-NET-002', 'containers');
  expect(mdc.status, mdc.message).toBe(reachable('ns:ct0', MD) || reachable('ns:ct1', MD) ? 'fail' : 'pass');
  const eg = finding(o, 'RG-NET-001', 'user:gitlab-runner');
  if (reachable(`uid:${RUNNER_UID}`, OTHER)) expect(eg.status, eg.message).toBe('fail');
  else expect(['pass', 'warn'], eg.message).toContain(eg.status);
  const egc = finding(o, 'RG-NET-001', 'containers');
  if (reachable('ns:ct0', OTHER) || reachable('ns:ct1', OTHER)) expect(egc.status, egc.message).toBe('fail');
  else expect(['pass', 'warn'], egc.message).toContain(egc.status);
  // Root's own traffic is never the subject, and no rule here touches it.
  expect(got(`uid:0 ${OTHER}`)).toBe('open');
}

/** The filter table a Docker host runs, with an egress policy in OUTPUT and DOCKER-USER (iptables-restore input). */
const DOCKER_HOST_V4 = `*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:DOCKER-USER - [0:0]
-A FORWARD -j DOCKER-USER
-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -i docker0 ! -o docker0 -j ACCEPT
-A FORWARD -o br-0123456789ab -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -i br-0123456789ab ! -o br-0123456789ab -j ACCEPT
-A OUTPUT -m owner --uid-owner gitlab-runner -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A OUTPUT -d 169.254.169.254/32 -m owner --uid-owner ${RUNNER_UID} -j REJECT --reject-with icmp-port-unreachable
-A OUTPUT -d 203.0.113.10/32 -p tcp -m owner --uid-owner gitlab-runner -m tcp --dport 443 -j ACCEPT
-A OUTPUT -m owner --uid-owner gitlab-runner -j REJECT --reject-with icmp-port-unreachable
-A DOCKER-USER -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN
-A DOCKER-USER -d 169.254.169.254/32 -j DROP
-A DOCKER-USER -d 203.0.113.10/32 -p tcp -m tcp --dport 443 -j RETURN
-A DOCKER-USER -i docker0 -j REJECT --reject-with icmp-port-unreachable
-A DOCKER-USER -i br-+ -j REJECT --reject-with icmp-port-unreachable
-A DOCKER-USER -j RETURN
COMMIT
`;
const V6_DENY = `*filter
:OUTPUT ACCEPT [0:0]
-A OUTPUT -m owner --uid-owner ${RUNNER_UID} -j REJECT
COMMIT
`;
const heredoc = (cmd: string, body: string) => `${cmd} <<'RULES'\n${body}RULES`;

/** The same policy written for nftables: an inet table with meta skuid and a forward chain. */
const NFT_POLICY = `table inet runner_egress {
  chain out {
    type filter hook output priority 0; policy accept;
    meta skuid != ${RUNNER_UID} accept
    ct state established,related accept
    ip daddr 169.254.169.254 reject
    ip daddr 203.0.113.10 tcp dport 443 accept
    reject with icmpx type admin-prohibited
  }
  chain jobs_forward {
    type filter hook forward priority 0; policy drop;
    ct state established,related accept
    ip daddr 169.254.169.254 drop
    iifname { "docker0", "br-*" } ip daddr 203.0.113.10 tcp dport 443 accept
    iifname { "docker0", "br-*" } reject
  }
}
`;

const describeNetns = process.getuid?.() === 0 ? describe : describe.skip;

describeNetns('RG-NET-001/002 against the kernel, in network namespaces', () => {
  it('no rules at all: everything is reachable, and both checks fail for the user and the containers', () => {
    const o = scenario('open', 'true', PROBES);
    expect(o.connections.get(`uid:${RUNNER_UID} ${MD}`)).toBe('open');
    expect(o.connections.get(`ns:ct0 ${MD}`)).toBe('open');
    agree(o);
    expect(finding(o, 'RG-NET-001', 'user:gitlab-runner').status).toBe('fail');
    expect(finding(o, 'RG-NET-002', 'containers').status).toBe('fail');
  });

  it('iptables-nft: owner-match allow-list for the runner uid, DOCKER-USER for docker0 and br-*', () => {
    const o = scenario('ipt-nft', [heredoc('iptables-nft-restore', DOCKER_HOST_V4), heredoc('ip6tables-nft-restore', V6_DENY)].join('\n'), PROBES);
    expect(o.connections.get(`uid:${RUNNER_UID} ${ALLOWED}`)).toBe('open');
    expect(o.connections.get(`uid:${RUNNER_UID} ${OTHER}`)).toBe('rejected');
    expect(o.connections.get(`ns:ct1 ${OTHER}`)).toBe('rejected');
    agree(o);
    const f = finding(o, 'RG-NET-001', 'user:gitlab-runner');
    expect(f.status).toBe('pass');
    expect(f.evidence).toContain('iptables-nft-save: -A OUTPUT -m owner --uid-owner 998 -j REJECT --reject-with icmp-port-unreachable');
    expect(finding(o, 'RG-NET-002', 'containers').message).toContain('-A DOCKER-USER -d 169.254.169.254/32 -j DROP');
  });

  it('iptables-legacy: the same rule set in the legacy tables', () => {
    const o = scenario('ipt-legacy', [heredoc('iptables-legacy-restore', DOCKER_HOST_V4), heredoc('ip6tables-legacy-restore', V6_DENY)].join('\n'), PROBES);
    expect(o.connections.get(`uid:${RUNNER_UID} ${OTHER}`)).toBe('rejected');
    agree(o);
    expect(finding(o, 'RG-NET-001', 'containers').evidence.some((e) => e.startsWith('iptables-legacy-save: -A DOCKER-USER -i docker0 -j REJECT'))).toBe(true);
  });

  it('nft: an inet table with meta skuid and a forward chain with policy drop', () => {
    const o = scenario('nft', heredoc('nft -f -', NFT_POLICY), PROBES);
    expect(o.connections.get(`uid:${RUNNER_UID} ${ALLOWED}`)).toBe('open');
    expect(o.connections.get(`ns:ct0 ${MD}`)).toBe('dropped');
    agree(o);
    expect(finding(o, 'RG-NET-002', 'user:gitlab-runner').message).toContain('ip daddr 169.254.169.254 reject');
  });

  it('mixed backends: the egress policy in nft, Docker\'s FORWARD in legacy; a packet must pass both', () => {
    const forward = DOCKER_HOST_V4.split('\n').filter((l) => !l.startsWith('-A OUTPUT') && !l.startsWith('-A DOCKER-USER')).join('\n');
    const nftOut = NFT_POLICY.replace(/ {2}chain jobs_forward \{[\s\S]*?\n {2}\}\n/, '');
    const o = scenario('mixed', [heredoc('iptables-legacy-restore', forward), heredoc('nft -f -', nftOut)].join('\n'), PROBES);
    expect(o.connections.get(`uid:${RUNNER_UID} ${OTHER}`)).toBe('rejected');
    expect(o.connections.get(`ns:ct0 ${MD}`)).toBe('open');
    agree(o);
    expect(finding(o, 'RG-NET-001', 'user:gitlab-runner').status).toMatch(/pass|warn/);
    expect(finding(o, 'RG-NET-002', 'containers').status).toBe('fail');
  });

  it('a metadata block in OUTPUT only: the runner user is blocked, forwarded container traffic is not', () => {
    const rules = `*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT -d 169.254.169.254/32 -j REJECT\nCOMMIT\n`;
    const o = scenario('md-output', heredoc('iptables-nft-restore', rules), PROBES.filter((p) => !p.startsWith('uid:0 169')));
    expect(o.connections.get(`uid:${RUNNER_UID} ${MD}`)).toBe('rejected');
    expect(o.connections.get(`ns:ct0 ${MD}`)).toBe('open');
    agree(o);
  });
});

it('the scenario script is executable by bash (syntax)', () => {
  execFileSync('bash', ['-n', SCENARIO]);
});
