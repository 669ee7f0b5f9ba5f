import { describe, expect, it } from 'vitest';
import { designTable, type EgressInputs } from '../../../remediations/network/egress-design.js';
import { parseAllowEntry, resolvers, urlEndpoint, type Resolve } from '../../../remediations/network/egress-destinations.js';
import { tableState, upToDate } from '../../../remediations/network/egress-table.js';

// The table text and the lockout guard, offline: exact texts, no kernel, no DNS (names come from a fixed map).
const NAMES: Record<string, string[]> = { 'collector.test': ['203.0.113.30'], 'registry.test': ['203.0.113.20', '2001:db8::20'], 'md.test': ['169.254.169.254'] };
const resolve: Resolve = async (n) => NAMES[n] ?? Promise.reject(Object.assign(new Error(`${n}: not found`), { code: 'ENOTFOUND' }));

const inputs = (o: Partial<EgressInputs> = {}): EgressInputs => ({
  users: [{ name: 'gitlab-runner', uid: 998 }],
  ifaces: ['br-*', 'docker0'],
  required: [urlEndpoint('https://203.0.113.10/', 'GitLab (runner:docker-1)')!, urlEndpoint('https://user:secret@collector.test:8443/v1/reports', 'collector [report] url')!],
  resolvers: ['203.0.113.53'],
  allow: ['registry.test:5000', '10.20.0.0/16', '2001:db8::/32'],
  ...o,
});

const HEAD = (comment: string) => `table inet runnerguard {
\tcomment "${comment}"
\tchain output {
\t\ttype filter hook output priority filter; policy accept;
\t\tmeta skuid { 998 } jump runner_egress comment "runner accounts"
\t}
\tchain forward {
\t\ttype filter hook forward priority filter; policy accept;
\t\tiifname { "br-*", "docker0" } jump runner_egress comment "job containers"
\t}
\tchain runner_egress {
\t\tip daddr 203.0.113.53 udp dport 53 accept comment "DNS (resolv.conf)"
\t\tip daddr 203.0.113.53 tcp dport 53 accept comment "DNS (resolv.conf)"
\t\tip daddr 169.254.169.254 counter reject comment "cloud metadata (RG-NET-002)"
\t\tip6 daddr fd00:ec2::254 counter reject comment "cloud metadata (RG-NET-002)"
`;

const FULL = `${HEAD('runnerguard RG-NET-001+RG-NET-002 sha256:bbd2066fea159710')}\t\tct state established,related accept
\t\toifname "lo" accept comment "loopback"
\t\tip daddr 203.0.113.10 tcp dport 443 accept comment "GitLab (runner:docker-1) 203.0.113.10"
\t\tip daddr 203.0.113.30 tcp dport 8443 accept comment "collector [report] url collector.test:8443"
\t\tip6 daddr 2001:db8::20 tcp dport 5000 accept comment "[egress] allow registry.test:5000"
\t\tip daddr 203.0.113.20 tcp dport 5000 accept comment "[egress] allow registry.test:5000"
\t\tip daddr 10.20.0.0/16 accept comment "[egress] allow 10.20.0.0/16"
\t\tip6 daddr 2001:db8::/32 accept comment "[egress] allow 2001:db8::/32"
\t\tcounter reject comment "everything else (RG-NET-001)"
\t}
}
`;

describe('the egress table text', () => {
  it('RG-NET-001: DNS first, metadata rejects, the allow-list with names resolved, a counted reject; credentials of URLs never shown', async () => {
    const d = await designTable(inputs(), ['egress', 'metadata'], resolve);
    if (!d.ok) throw new Error(d.reasons.join('; '));
    expect(d.text).toBe(FULL);
    expect(d.summary).toBe('table inet runnerguard for gitlab-runner (uid 998), job containers (br-*, docker0): 6 destination(s) and DNS allowed, everything else rejected and counted');
  });

  it('RG-NET-002 alone: the metadata rejects (after DNS), nothing else rejected', async () => {
    const d = await designTable(inputs({ allow: ['nowhere.test:443'] }), ['metadata'], resolve);
    if (!d.ok) throw new Error(d.reasons.join('; '));
    expect(d.text).toBe(`${HEAD('runnerguard RG-NET-002 sha256:76228d0dc6aa8467')}\t}\n}\n`);
  });

  it('is deterministic: the same inputs in another order give the same text', async () => {
    const a = await designTable(inputs({ users: [{ name: 'a', uid: 1001 }, { name: 'b', uid: 998 }], ifaces: ['docker0', 'br-*'] }), ['metadata', 'egress'], resolve);
    const b = await designTable(inputs({ users: [{ name: 'b', uid: 998 }, { name: 'a', uid: 1001 }], ifaces: ['br-*', 'docker0'] }), ['egress', 'metadata'], async (n) => [...(await resolve(n))].reverse());
    expect(a.ok && b.ok && a.text === b.text).toBe(true);
  });

  it('no containers: no forward chain; several runner accounts in one set', async () => {
    const d = await designTable(inputs({ users: [{ name: 'gh', uid: 1200 }, { name: 'gitlab-runner', uid: 998 }], ifaces: [] }), ['metadata'], resolve);
    expect(d.ok && d.text.includes('chain forward')).toBe(false);
    expect(d.ok && d.text.split('\n')[4]).toBe('\t\tmeta skuid { 998, 1200 } jump runner_egress comment "runner accounts"');
  });

  it('GCP: the resolver is the metadata server itself; DNS to it stays allowed, port 80 is rejected', async () => {
    const d = await designTable(inputs({ resolvers: ['169.254.169.254'] }), ['egress', 'metadata'], resolve);
    if (!d.ok) throw new Error(d.reasons.join('; '));
    expect(d.text).toContain('\t\tip daddr 169.254.169.254 udp dport 53 accept comment "DNS (resolv.conf)"\n\t\tip daddr 169.254.169.254 tcp dport 53 accept comment "DNS (resolv.conf)"\n\t\tip daddr 169.254.169.254 counter reject');
  });
});

describe('the lockout guard', () => {
  it('refuses when a name the host needs does not resolve, naming it', async () => {
    const d = await designTable(inputs({ required: [urlEndpoint('https://gitlab.invalid/', 'GitLab (runner:docker-1)')!] }), ['egress', 'metadata'], resolve);
    expect(d).toEqual({
      ok: false,
      reasons: ['gitlab.invalid does not resolve (ENOTFOUND), so the table cannot allow it (GitLab (runner:docker-1) gitlab.invalid); fix the name or its DNS, or list its addresses in [egress] allow'],
    });
  });

  it('refuses an allow entry it cannot read and an allowed name that does not resolve', async () => {
    const d = await designTable(inputs({ allow: ['registry.test:99999', 'a b', 'gone.test:443'] }), ['egress', 'metadata'], resolve);
    expect(d).toEqual({
      ok: false,
      reasons: [
        '[egress] allow "registry.test:99999": port 99999 is out of range',
        '[egress] allow "a b": not host:port, an address, a prefix (10.20.0.0/16) or a host name',
        'gone.test does not resolve (ENOTFOUND), so the table cannot allow it ([egress] allow gone.test:443); fix the name or its DNS, or list its addresses in [egress] allow',
      ],
    });
  });

  it('RG-NET-002 alone does not need the names: nothing but the metadata addresses is rejected', async () => {
    const d = await designTable(inputs({ required: [urlEndpoint('https://gitlab.invalid/', 'GitLab')!] }), ['metadata'], resolve);
    expect(d.ok).toBe(true);
  });

  it('refuses a table that would reject the GitLab URL (it resolves to the metadata address), for the user and each bridge', async () => {
    const d = await designTable(inputs({ required: [urlEndpoint('http://md.test/', 'GitLab (runner:x)')!] }), ['metadata'], resolve);
    const rule = 'ip daddr 169.254.169.254 counter reject comment "cloud metadata (RG-NET-002)"';
    expect(d).toEqual({
      ok: false,
      reasons: [
        `the table would cut gitlab-runner (uid 998) off from GitLab (runner:x) md.test (169.254.169.254 tcp/80): ${rule}`,
        `the table would cut job containers on br-* off from GitLab (runner:x) md.test (169.254.169.254 tcp/80): ${rule}`,
        `the table would cut job containers on docker0 off from GitLab (runner:x) md.test (169.254.169.254 tcp/80): ${rule}`,
      ],
    });
  });
});

describe('reading the loaded table back', () => {
  // What `nft list table inet runnerguard` prints for FULL (nft 1.0.6): sets of one collapse, counters and reject types appear.
  const listed = FULL.replace('meta skuid { 998 }', 'meta skuid 998')
    .replace(/\t}\n\tchain/g, '\t}\n\n\tchain')
    .replace(/counter reject comment "cloud metadata \(RG-NET-002\)"/, 'counter packets 3 bytes 180 reject with icmp port-unreachable comment "cloud metadata (RG-NET-002)"')
    .replace('counter reject comment "everything', 'counter packets 12 bytes 720 reject comment "everything');

  it('the listing of the loaded table is up to date with the text it came from', () => {
    expect(tableState(listed)).toEqual({ parts: ['egress', 'metadata'], hash: 'bbd2066fea159710', rules: { output: 1, forward: 1, runner_egress: 13 } });
    expect(upToDate(FULL, listed)).toBe(true);
  });

  it('a rule deleted by hand, or another text, is not', () => {
    expect(upToDate(FULL, listed.replace(/\t\toifname "lo".*\n/, ''))).toBe(false);
    expect(upToDate(FULL, listed.replace('bbd2066fea159710', '0000000000000000'))).toBe(false);
    expect(upToDate(FULL, 'table inet runnerguard {\n}\n')).toBe(false);
  });
});

describe('destinations', () => {
  it('reads [egress] allow entries', () => {
    expect(['registry.example.com:443', '[2001:db8::1]:8443', '10.20.0.0/16', '2001:db8::/32', '192.0.2.7', 'mirror.example.com'].map((e) => { const w = parseAllowEntry(e); return [w.host, w.port]; })).toEqual([
      ['registry.example.com', 443],
      ['2001:db8::1', 8443],
      ['10.20.0.0/16', undefined],
      ['2001:db8::/32', undefined],
      ['192.0.2.7', undefined],
      ['mirror.example.com', undefined],
    ]);
    expect(() => parseAllowEntry('10.0.0.0/33')).toThrow('[egress] allow "10.0.0.0/33": not host:port');
  });

  it('takes host and port of a URL, never its credentials', () => {
    expect(urlEndpoint('https://u:p@[2001:db8::5]:8443/x', 'collector')).toEqual({ host: '2001:db8::5', port: 8443, why: 'collector [2001:db8::5]:8443', required: true });
    expect(urlEndpoint('ssh://git@example.com', 'x')).toBeNull();
  });

  it('reads nameservers from resolv.conf, zones dropped', () => {
    expect(resolvers('# generated\nsearch example.com\nnameserver 10.0.0.2\nnameserver fe80::1%eth0\nnameserver 10.0.0.2\noptions edns0\n')).toEqual(['10.0.0.2', 'fe80::1']);
  });
});
