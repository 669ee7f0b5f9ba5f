import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gitlabRunnerUnit } from '../../helpers/fixture-tree.js';

/**
 * RG-NET-001/002 against the kernel: netns/egress-scenario.sh builds a runner host
 * and a "remote" host in fresh network namespaces, and egress-live-main.ts applies,
 * probes, audits, re-plans and rolls back there. The host's own firewall is never touched.
 */
const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
const SCENARIO = path.join(REPO, 'test/remediations/network/netns/egress-scenario.sh');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

type Probes = Record<string, string>;
interface Phase {
  probes: Probes;
  audit: string[];
  table: string | null;
  boot: string | null;
  notes?: string[];
}
interface Result {
  before: { probes: Probes; audit: string[] };
  guard: Array<{ plans: number; refusals: unknown[] }>;
  plan002: { text: string; refusals: unknown[] };
  apply002: { status: string; error?: string };
  after002: Phase;
  plan001: { text: string; refusals: unknown[]; steps: Array<Record<string, unknown>> };
  apply001: { status: string; error?: string };
  after001: Phase;
  reboot: { gone: { probes: Probes; audit: string[] }; probes: Probes; audit: string[]; head: string };
  again: Array<{ id: string; findings: number; plans: number; refusals: unknown[] }>;
  forced: unknown[][];
  rollback001: Phase;
  rollback002: Phase;
  both: { plans: string[]; status: string; head: string; bootHead: string };
  bootAfterAll: string | null;
  tables: string;
}

let stateDir = '';
/** The boot copy of a table: the script runnerguard-egress.service hands to nft -f. */
const bootScript = (table: string) => `table inet runnerguard\ndelete table inet runnerguard\n${table}`;

function run(): Result {
  const w = mkdtempSync(path.join(os.tmpdir(), 'rg-egress-live-'));
  dirs.push(w);
  chmodSync(w, 0o755);
  mkdirSync(path.join(w, 'etc/systemd/system'), { recursive: true });
  mkdirSync(path.join(w, 'etc/gitlab-runner'), { recursive: true });
  const keep = (f: string) => readFileSync(f, 'utf8').split('\n').filter((l) => l && !/^(gitlab-runner|other):/.test(l));
  writeFileSync(path.join(w, 'etc/passwd'), [...keep('/etc/passwd'), 'gitlab-runner:x:998:998::/home/gitlab-runner:/bin/bash', 'other:x:1234:1234::/home/other:/bin/bash', ''].join('\n'));
  writeFileSync(path.join(w, 'etc/group'), [...keep('/etc/group'), 'gitlab-runner:x:998:', 'other:x:1234:', ''].join('\n'));
  writeFileSync(path.join(w, 'etc/resolv.conf'), 'nameserver 203.0.113.53\n');
  writeFileSync(path.join(w, 'etc/hosts'), '127.0.0.1 localhost\n203.0.113.20 registry.test\n');
  const runnerConfig = path.join(w, 'etc/gitlab-runner/config.toml');
  writeFileSync(
    runnerConfig,
    'concurrent = 2\n[[runners]]\n\tname = "docker-1"\n\turl = "https://203.0.113.10/"\n\ttoken = "glrt-netnstest"\n\texecutor = "docker"\n\tenvironment = ["FF_NETWORK_PER_BUILD=true"]\n\t[runners.docker]\n\t\timage = "alpine:3.20"\n',
    { mode: 0o600 },
  );
  writeFileSync(path.join(w, 'etc/systemd/system/gitlab-runner.service'), gitlabRunnerUnit({ config: runnerConfig, userArg: 'gitlab-runner' }));
  writeFileSync(path.join(w, 'agent.toml'), `[agent]\nstate_dir = "${w}/state"\n[report]\nurl = "https://203.0.113.30:8443/v1/reports"\n[egress]\nallow = ["registry.test:5000"]\n`);
  stateDir = `${w}/state`;
  const r = spawnSync('unshare', ['-n', '-m', '--propagation', 'private', 'bash', SCENARIO], {
    cwd: REPO,
    env: { ...process.env, W: w, NODE: process.execPath, MAIN: path.join(REPO, 'test/remediations/network/egress-live-main.ts'), VITE_NODE: path.join(REPO, 'node_modules/.bin/vite-node') },
    encoding: 'utf8',
    timeout: 240_000,
  });
  if (r.status !== 0) throw new Error(`egress scenario exited ${r.status ?? r.signal}: ${r.stderr}`);
  return JSON.parse(readFileSync(path.join(w, 'out/result.json'), 'utf8')) as Result;
}

const PROBES = [
  'uid:998 203.0.113.10 443',
  'uid:998 203.0.113.20 5000',
  'uid:998 203.0.113.53 53',
  'uid:998 203.0.113.10 8080',
  'uid:998 169.254.169.254 80',
  'uid:0 203.0.113.10 8080',
  'uid:0 169.254.169.254 80',
  'uid:1234 203.0.113.10 8080',
  'ct0 203.0.113.10 443',
  'ct0 203.0.113.10 8080',
  'ct1 203.0.113.20 5000',
  'ct1 203.0.113.10 8080',
  'ct1 169.254.169.254 80',
];
const OPEN: Probes = Object.fromEntries(PROBES.map((p) => [p, 'open']));
const METADATA_REJECTED: Probes = { ...OPEN, 'uid:998 169.254.169.254 80': 'rejected', 'ct1 169.254.169.254 80': 'rejected' };
/** The runner uid and the containers reach GitLab, the allow-list and DNS only; root and other users everything. */
const DEFAULT_DENY: Probes = { ...METADATA_REJECTED, 'uid:998 203.0.113.10 8080': 'rejected', 'ct0 203.0.113.10 8080': 'rejected', 'ct1 203.0.113.10 8080': 'rejected' };
const audit = (net1: string, net2: string) => [`RG-NET-001 user:gitlab-runner ${net1}`, `RG-NET-001 containers ${net1}`, `RG-NET-002 user:gitlab-runner ${net2}`, `RG-NET-002 containers ${net2}`];

const HEAD = `table inet runnerguard {
\tcomment "runnerguard RG-NET-001+RG-NET-002 sha256:7ee509c46f7eb624"
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
\t\tct state established,related accept
\t\toifname "lo" accept comment "loopback"
\t\tip daddr 203.0.113.10 tcp dport 443 accept comment "GitLab (runner:docker-1) 203.0.113.10"
\t\tip daddr 203.0.113.30 tcp dport 8443 accept comment "collector [report] url 203.0.113.30:8443"
\t\tip daddr 203.0.113.20 tcp dport 5000 accept comment "[egress] allow registry.test:5000"
\t\tcounter reject comment "everything else (RG-NET-001)"
\t}
}
`;

describe.skipIf(process.getuid?.() !== 0)('RG-NET-001/002 applied to a live kernel, in network namespaces', () => {
  it('002 then 001 applied: the runner uid and containers reach only what is allowed, root and others everything; checks pass; re-plan is a no-op; rollbacks restore', () => {
    const r = run();
    expect(r.before).toEqual({ probes: OPEN, audit: audit('fail', 'fail') });

    const rule = 'ip daddr 169.254.169.254 counter reject comment "cloud metadata (RG-NET-002)"';
    const cut = (who: string) => ({
      remediation: 'RG-NET-001',
      subject: 'table inet runnerguard',
      reason: `lockout guard: the table would cut ${who} off from collector [report] url 169.254.169.254 (169.254.169.254 tcp/80): ${rule}`,
    });
    expect(r.guard).toEqual([{ plans: 0, refusals: [cut('gitlab-runner (uid 998)'), cut('job containers on br-*'), cut('job containers on docker0')] }]);

    expect(r.plan002.refusals).toEqual([]);
    // A state dir other than the packaged unit's: the plan says where the boot copy goes and what the unit reads.
    expect(r.plan002.text).toContain(
      `  table inet runnerguard: table inet runnerguard for gitlab-runner (uid 998), job containers (br-*, docker0): 169.254.169.254 and fd00:ec2::254 rejected, the rest untouched; at boot, runnerguard-egress.service loads /var/lib/runnerguard/egress.nft, not ${stateDir}/egress.nft: point it at [agent] state_dir with a drop-in\n`,
    );
    expect(r.apply002).toEqual({ status: 'applied' });
    expect(r.after002.probes).toEqual(METADATA_REJECTED);
    expect(r.after002.audit).toEqual(audit('fail', 'pass'));

    // The plan shows the whole table; /etc/hosts resolved registry.test at plan time.
    expect(r.plan001.refusals).toEqual([]);
    expect(r.plan001.steps).toEqual([
      { op: 'nftTable', family: 'inet', table: 'runnerguard', text: HEAD },
      { op: 'writeFile', path: `${stateDir}/egress.nft`, content: bootScript(HEAD), mode: 0o600, uid: 0, gid: 0, shownAs: 'the table above, as the nft -f script runnerguard-egress.service loads at boot' },
    ]);
    // The boot copy is named, not shown a second time.
    expect(r.plan001.text).toContain(`\n    write ${stateDir}/egress.nft (0600 0:0): the table above, as the nft -f script runnerguard-egress.service loads at boot\n`);
    expect(r.plan001.text.split('everything else (RG-NET-001)')).toHaveLength(2);
    expect(r.plan001.text).toContain(`    nft -f - (replaces table inet runnerguard in one transaction):\n${HEAD.replace(/^/gm, '      ')}`);
    expect(r.apply001).toEqual({ status: 'applied' });
    expect(r.after001.probes).toEqual(DEFAULT_DENY);
    expect(r.after001.audit).toEqual(audit('pass', 'pass'));
    expect(r.after001.table).toMatch(/\t\tcounter packets [1-9]\d* bytes \d+ reject comment "everything else \(RG-NET-001\)"\n/);
    // The boot copy follows the loaded table: RG-NET-002's, then the whole one.
    expect(r.after002.boot).toMatch(/^table inet runnerguard\ndelete table inet runnerguard\ntable inet runnerguard \{\n\tcomment "runnerguard RG-NET-002 sha256:76228d0dc6aa8467"\n/);
    expect(r.after001.boot).toBe(bootScript(HEAD));
    // A reboot: without the table the runner reaches everything again; the boot copy, loaded by nft -f, brings the whole table back.
    expect(r.reboot.gone).toEqual({ probes: OPEN, audit: audit('fail', 'fail') });
    expect(r.reboot).toMatchObject({ probes: DEFAULT_DENY, audit: audit('pass', 'pass'), head: HEAD.split('\n')[1] });

    expect(r.again).toEqual([
      { id: 'RG-NET-001', findings: 0, plans: 0, refusals: [] },
      { id: 'RG-NET-002', findings: 0, plans: 0, refusals: [] },
    ]);
    // Asked to plan anyway (as for a warning), both find the loaded table is the one they would write.
    expect(r.forced).toEqual([[], []]);

    expect(r.rollback001.notes).toEqual(['undone previous table restored', 'undone ']);
    expect(r.rollback001.boot).toBe(r.after002.boot);
    expect(r.rollback001.probes).toEqual(METADATA_REJECTED);
    expect(r.rollback001.audit).toEqual(audit('fail', 'pass'));
    expect(r.rollback001.table?.split('\n')[1]).toBe('\tcomment "runnerguard RG-NET-002 sha256:76228d0dc6aa8467"');

    expect(r.rollback002.notes).toEqual(['undone table inet runnerguard deleted', 'undone ']);
    expect(r.rollback002).toMatchObject({ probes: OPEN, audit: audit('fail', 'fail'), table: null, boot: null });

    expect(r.both).toEqual({ plans: ['RG-NET-001 1', 'RG-NET-002 0'], status: 'applied', head: '\tcomment "runnerguard RG-NET-001+RG-NET-002 sha256:7ee509c46f7eb624"', bootHead: '\tcomment "runnerguard RG-NET-001+RG-NET-002 sha256:7ee509c46f7eb624"' });
    expect(r.bootAfterAll).toBeNull();
    expect(r.tables).toBe('');
  }, 300_000);
});
