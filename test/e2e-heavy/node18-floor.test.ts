/**
 * The runtime floor: the bundle (dist/runnerguard.mjs, esbuild target node18.20)
 * runs on Debian 12's own nodejs package, in a real Debian 12 chroot, and
 * judges a runner fixture exactly as the Node this suite runs on does.
 */
import { execFileSync } from 'node:child_process';
import { promises as fsp, existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding, Report } from '../../agent/engine/types.js';
import { FORMATS } from '../../agent/report/index.js';
import { runCli } from '../helpers/cli.js';
import { CACHE_DIR, ensureBookwormNode, freshRoot, layerInfo, type FreshRoot, type RunResult } from '../helpers/debian-root.js';
import { ageTree, FixtureTree, gitlabRunnerUnit, jobCheckout } from '../helpers/fixture-tree.js';
import { key as sshKey } from '../checks/ssh/fixture.js';

const BUNDLE = fileURLToPath(new URL('../../dist/runnerguard.mjs', import.meta.url));
const RG = '/opt/runnerguard/runnerguard.mjs';
const FIXTURE = '/srv/rg-fixture';
const TOKEN = 'glrt-FLOORSECRETFLOOR0001';
const JOB = '/home/gitlab-runner/builds/t0ken123/0/group/app';
/** What a Node API missing on 18 looks like once the engine turns the throw into a finding. */
const MISSING_API = /is not a function|is not defined|is not a constructor|Cannot read properties of undefined|ERR_UNKNOWN_BUILTIN_MODULE|ERR_INVALID_ARG/;

const FIXTURE_CONFIG = `concurrent = 2 # two runners on one host

[[runners]]
\tname = "docker-priv"
\turl = "https://gitlab.example.com/"
\ttoken = "${TOKEN}"
\texecutor = "docker"
\t[runners.docker]
\t\timage = "alpine:3.20"
\t\tprivileged = true
\t\tpull_policy = ["if-not-present"]
\t\tvolumes = [
\t\t\t"/var/run/docker.sock:/var/run/docker.sock", # docker-in-docker shortcut
\t\t\t"/cache",
\t\t]

[[runners]]
  name = "shell-1"
  url = "https://gitlab.example.com/"
  token = "${TOKEN}"
  executor = "shell"
`;

const LIVE_CONFIG = `[[runners]]
  name = "docker-live"
  url = "https://gitlab.example.com/"
  token = "${TOKEN}"
  executor = "docker"
  [runners.docker]
    image = "alpine:3.20"
    privileged = false
    volumes = ["/cache"]
`;

let root: FreshRoot;

function chroot(argv: string[], opts: { live?: boolean; timeoutMs?: number } = {}): Promise<RunResult> {
  // Every host has /proc (runnerguard reaches files through /proc/self/fd); a live audit also reads /sys.
  return root.run(argv, { timeoutMs: opts.timeoutMs ?? 300_000, proc: true, sys: opts.live });
}

function report(r: RunResult | { code: number | null; stdout: string; stderr: string }): Report {
  expect([0, 1], `exit ${r.code}; stderr: ${r.stderr}`).toContain(r.code);
  const rep = JSON.parse(r.stdout) as Report;
  expect(rep.schema).toBe('runnerguard/report@1');
  expect(rep.summary.total).toBe(rep.findings.length);
  for (const s of ['pass', 'fail', 'warn', 'skip', 'error'] as const) {
    expect(rep.summary[s], `summary.${s}`).toBe(rep.findings.filter((f) => f.status === s).length);
  }
  // A Node API missing on 18 surfaces as an `error` finding (the engine catches throws).
  const broken = rep.findings.filter((f) => MISSING_API.test(`${f.message} ${f.evidence.join(' ')}`));
  expect(broken.map((f) => `${f.check} ${f.subject}: ${f.message}`)).toEqual([]);
  expect(r.stdout + r.stderr).not.toContain('FLOORSECRET');
  return rep;
}

const key = (f: Finding) => `${f.check} ${f.subject}`;

/** The fixture, built with the shared FixtureTree on this machine, then copied into the chroot. */
async function buildFixture(): Promise<void> {
  const t = await FixtureTree.create();
  try {
    await t.groupadd('docker', 997);
    await t.useradd('gitlab-runner', { uid: 998, groups: ['docker'] });
    await t.file('/usr/bin/gitlab-runner', '#!/bin/sh\n', { mode: 0o755 });
    await t.unit('gitlab-runner.service', gitlabRunnerUnit({ config: '/etc/gitlab-runner/config.toml', userArg: 'gitlab-runner' }));
    await t.file('/etc/gitlab-runner/config.toml', FIXTURE_CONFIG, { mode: 0o644 });
    await t.socket('/run/docker.sock', { mode: 0o666, uid: 0, gid: 997 });
    await t.symlink('/var/run', '../run');
    await t.file('/etc/docker/daemon.json', '{ "hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"] }\n');
    await jobCheckout(t, JOB, { remote: 'https://gitlab-ci-token:glcbt-64_FLOORSECRETJOB@gitlab.example.com/group/app.git' });
    await t.file(`${JOB}/.npmrc`, '//gitlab.example.com/api/v4/packages/npm/:_authToken=FLOORSECRETNPM\n');
    await ageTree(t, '/home/gitlab-runner/builds', 30);
    await fsp.mkdir(root.p('/srv'), { recursive: true });
    execFileSync('cp', ['-a', '--', t.root, root.p(FIXTURE)]);
  } finally {
    await t.remove();
  }
}

/** The chroot itself as a small runner host, so the live audit judges a runner too. */
async function buildLiveRunner(): Promise<void> {
  execFileSync('useradd', ['--root', root.dir, '-u', '998', '-U', '-m', '-s', '/bin/bash', 'gitlab-runner'], { stdio: ['ignore', 'ignore', 'pipe'] });
  await fsp.writeFile(root.p('/usr/bin/gitlab-runner'), '#!/bin/sh\n', { mode: 0o755 });
  await fsp.writeFile(root.p('/etc/systemd/system/gitlab-runner.service'), gitlabRunnerUnit({ config: '/etc/gitlab-runner/config.toml', userArg: 'gitlab-runner' }));
  await fsp.mkdir(root.p('/etc/gitlab-runner'), { recursive: true, mode: 0o700 });
  await fsp.writeFile(root.p('/etc/gitlab-runner/config.toml'), LIVE_CONFIG, { mode: 0o600 });
}

describe("the bundle on Debian 12's nodejs (chroot)", () => {
  beforeAll(async () => {
    if (process.getuid?.() !== 0) throw new Error('the Debian 12 chroot stage needs root (debootstrap, chroot, mount)');
    if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run npm run build first`);
    const t0 = Date.now();
    const cached = existsSync(path.join(CACHE_DIR, 'bookworm-node'));
    await ensureBookwormNode();
    const t1 = Date.now();
    root = await freshRoot('node18-floor', { layer: 'node' });
    const t2 = Date.now();
    await fsp.mkdir(root.p('/opt/runnerguard'), { recursive: true });
    await fsp.copyFile(BUNDLE, root.p(RG));
    await fsp.chmod(root.p(RG), 0o755);
    await buildFixture();
    await buildLiveRunner();
    const built = (n: string) => layerInfo(n)?.buildSeconds;
    console.log(
      `[node18-floor] layer bookworm-node ${cached ? 'cached' : `built (minbase ${built('bookworm-minbase')}s, node ${built('bookworm-node')}s)`} ` +
        `in ${((t1 - t0) / 1000).toFixed(1)}s; fresh root copied in ${((t2 - t1) / 1000).toFixed(1)}s; fixtures in ${((Date.now() - t2) / 1000).toFixed(1)}s`,
    );
  }, 3_600_000);

  afterAll(async () => {
    await root?.cleanup();
  });

  it("node is Debian's own nodejs 18.x, >= 18.19", async () => {
    const v = await chroot(['node', '--version']);
    expect(v.code).toBe(0);
    const version = v.stdout.trim();
    const pkg = (await chroot(['dpkg-query', '-W', '-f=${Version}', 'nodejs'])).stdout.trim();
    const owner = (await chroot(['dpkg-query', '-S', '/usr/bin/node'])).stdout.trim();
    console.log(`[node18-floor] chroot node ${version} (Debian nodejs ${pkg}; ${owner})`);
    expect(owner).toMatch(/^nodejs: \/usr\/bin\/node$/);
    expect(pkg).toMatch(/deb12/);
    const m = /^v(\d+)\.(\d+)\.(\d+)$/.exec(version);
    expect(m, version).not.toBeNull();
    expect(Number(m![1])).toBe(18);
    expect(Number(m![2])).toBeGreaterThanOrEqual(19);
  });

  it('--version works, through node and through the shebang', async () => {
    for (const argv of [['node', RG, '--version'], [RG, '--version']]) {
      const r = await chroot(argv);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^runnerguard \d+\.\d+\.\d+\n$/);
      expect(r.stderr).toBe('');
    }
  });

  it('checks lists the whole catalogue, as on the host Node', async () => {
    const text = await chroot(['node', RG, 'checks']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stderr).toBe('');
    // Against the same bundle on this machine's Node (dist/ may trail the source between builds).
    expect(text.stdout).toBe((await runCli(BUNDLE, ['checks'])).stdout);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+SEVERITY\s+FIX\s+TITLE$/);
    const ids = lines.slice(1).map((l) => l.split(/\s+/)[0]);
    expect(ids).toEqual(expect.arrayContaining(['RG-RUN-001', 'RG-RUN-002', 'RG-DOCKER-001', 'RG-BUILD-001']));
    const json = await chroot(['node', RG, 'checks', '--format', 'json']);
    expect((JSON.parse(json.stdout) as Array<{ id: string }>).map((m) => m.id)).toEqual(ids);
  });

  it('audits the live chroot (root /): a valid report, runner checks judged', async () => {
    const r = await chroot(['node', RG, 'audit', '--format', 'json'], { live: true });
    const rep = report(r);
    expect(rep.target).toEqual({ root: '/', live: true });
    expect(rep.host.os).toContain('Debian GNU/Linux 12');
    const counts = Object.entries(rep.summary).map(([k, v]) => `${k} ${v}`).join(', ');
    console.log(`[node18-floor] live audit in the chroot: exit ${r.code}, ${counts}, ${r.durationMs} ms`);
    for (const f of rep.findings.filter((x) => x.status === 'error')) console.log(`[node18-floor]   live error: ${f.check} ${f.subject}: ${f.message}`);
    const byId = (id: string) => rep.findings.filter((f) => f.check === id);
    expect(byId('RG-RUN-002')).toMatchObject([{ status: 'pass', subject: '/etc/gitlab-runner/config.toml' }]);
    expect(byId('RG-RUN-001').map((f) => f.status)).not.toContain('skip');
    expect(byId('RG-RUN-003')).toMatchObject([{ status: 'pass', subject: 'runner:docker-live' }]);
  });

  it('audits a fixture root inside the chroot exactly as the host Node does', async () => {
    const r = await chroot(['node', RG, 'audit', '--root', FIXTURE, '--format', 'json']);
    const rep = report(r);
    expect(r.code).toBe(1);
    expect(rep.target).toEqual({ root: FIXTURE, live: false });
    console.log(`[node18-floor] fixture audit in the chroot: exit ${r.code}, ${Object.entries(rep.summary).map(([k, v]) => `${k} ${v}`).join(', ')}, ${r.durationMs} ms`);
    // What the fixture was built to trip, judged on Node 18 (not skipped, not errors).
    const judged = rep.findings.map((f) => `${f.check} ${f.status} ${f.subject}`);
    expect(judged).toEqual(
      expect.arrayContaining([
        'RG-RUN-001 warn service:gitlab-runner.service',
        'RG-RUN-002 fail /etc/gitlab-runner/config.toml',
        'RG-RUN-003 fail runner:docker-priv',
        'RG-RUN-004 fail runner:docker-priv',
        'RG-RUN-005 warn runner:docker-priv',
        'RG-RUN-006 warn runner:shell-1',
        'RG-DOCKER-001 fail user:gitlab-runner',
        'RG-DOCKER-002 fail /var/run/docker.sock',
        'RG-DOCKER-003 fail dockerd',
        'RG-BUILD-001 warn /home/gitlab-runner/builds',
        `RG-BUILD-002 fail ${JOB}/.git/config`,
        `RG-BUILD-002 fail ${JOB}/.npmrc`,
      ]),
    );
    // The areas the fixture is built for evaluate cleanly (other areas may lack their files here).
    const areaErrors = rep.findings.filter((f) => f.status === 'error' && /^RG-(RUN|DOCKER|BUILD)-/.test(f.check));
    expect(areaErrors.map((f) => `${f.check} ${f.subject}: ${f.message}`)).toEqual([]);

    // The same bundle on the Node running this suite, over the same files.
    const host = report(await runCli(BUNDLE, ['audit', '--root', root.p(FIXTURE), '--format', 'json']));
    console.log(`[node18-floor] same fixture on this machine's node ${process.version}: ${host.findings.length} findings, score ${host.summary.score}`);
    const strip = (f: Finding) => ({ ...f, message: f.message.split(root.dir).join('') });
    expect(rep.findings.map(strip).sort((a, b) => key(a).localeCompare(key(b)))).toEqual(host.findings.map(strip).sort((a, b) => key(a).localeCompare(key(b))));
    expect(rep.summary).toEqual(host.summary);
  });

  it('the build scan\'s worker threads run on Node 18: the same findings as one thread, and a thread more while it scans', async () => {
    // A builds dir big enough that the scan starts its threads (8 job dirs met, 20 ms run).
    const t = await FixtureTree.create();
    try {
      await t.useradd('gitlab-runner', { uid: 998 });
      await t.file('/usr/bin/gitlab-runner', '#!/bin/sh\n', { mode: 0o755 });
      await t.unit('gitlab-runner.service', gitlabRunnerUnit({ config: '/etc/gitlab-runner/config.toml', userArg: 'gitlab-runner' }));
      await t.file('/etc/gitlab-runner/config.toml', '[[runners]]\n  name = "shell-1"\n  executor = "shell"\n', { mode: 0o600 });
      for (let i = 0; i < 60; i++) {
        const dir = `/home/gitlab-runner/builds/t0k${i % 3}/${i % 2}/group${i % 6}/project${i}`;
        await jobCheckout(t, dir, { remote: i % 5 === 0 ? `https://gitlab-ci-token:glcbt-64_FLOORSECRETT${i}@gitlab.example.com/g/p.git` : undefined });
        for (let d = 0; d < 80; d++) await fsp.mkdir(t.p(`${dir}/src/d${d}/e`), { recursive: true });
      }
      await ageTree(t, '/home/gitlab-runner/builds/t0k0', 30);
      execFileSync('cp', ['-a', '--', t.root, root.p('/srv/rg-threads')]);
    } finally {
      await t.remove();
    }
    await fsp.writeFile(root.p('/srv/threads-1.toml'), '[agent]\nscan_threads = 1\n');
    await fsp.writeFile(root.p('/srv/threads-2.toml'), '[agent]\nscan_threads = 2\n');
    // The audit in the background, its threads counted from /proc every 10 ms: the most seen, then its report.
    const run = async (threads: number) => {
      const script = `node ${RG} audit --root /srv/rg-threads --config /srv/threads-${threads}.toml --only RG-BUILD-001,RG-BUILD-002 --format json >/srv/out-${threads}.json 2>/srv/err-${threads} & pid=$!; max=0; while kill -0 $pid 2>/dev/null; do n=$(ls /proc/$pid/task 2>/dev/null | wc -l); [ "$n" -gt "$max" ] && max=$n; sleep 0.01; done; wait $pid; echo "$? $max"`;
      const r = await chroot(['sh', '-c', script]);
      const [code, max] = r.stdout.trim().split(' ').map(Number);
      const rep = report({ code: code!, stdout: await fsp.readFile(root.p(`/srv/out-${threads}.json`), 'utf8'), stderr: await fsp.readFile(root.p(`/srv/err-${threads}`), 'utf8') });
      return { rep, threadsSeen: max! };
    };
    const one = await run(1);
    const two = await run(2);
    console.log(`[node18-floor] build scan: ${one.threadsSeen} OS threads seen with scan_threads = 1, ${two.threadsSeen} with 2`);
    expect(two.threadsSeen).toBeGreaterThan(one.threadsSeen);
    expect(one.rep.findings.filter((f) => f.status === 'fail').length).toBe(12); // the 12 leaky remotes
    const judged = (rep: Report) => rep.findings.map((f) => ({ check: f.check, subject: f.subject, status: f.status, message: f.message, evidence: [...f.evidence].sort() }));
    expect(judged(two.rep)).toEqual(judged(one.rep));
  });

  it('every output format renders on Node 18', async () => {
    for (const format of FORMATS) {
      const r = await chroot(['node', RG, 'audit', '--root', FIXTURE, '--format', format]);
      expect(r.code, `${format}: ${r.stderr}`).toBe(1);
      expect(r.stderr, format).toBe('');
      expect(r.stdout.length, format).toBeGreaterThan(100);
      if (format === 'json' || format === 'sarif') expect(() => JSON.parse(r.stdout), format).not.toThrow();
      if (format === 'ocsf') for (const line of r.stdout.trimEnd().split('\n')) expect(() => JSON.parse(line), line).not.toThrow(); // JSON Lines
    }
  });

  it('a scheduled run (pino log, spool, gzip delivery over http) works on Node 18', async () => {
    // The chroot shares this machine's network namespace: a loopback receiver here is reachable.
    const received: Report[] = [];
    const server = http.createServer((req, res) => {
      const body: Buffer[] = [];
      req.on('data', (c: Buffer) => body.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(body);
        received.push(JSON.parse((req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8')) as Report);
        res.writeHead(202).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      await fsp.mkdir(root.p('/etc/runnerguard'), { recursive: true });
      await fsp.writeFile(root.p('/etc/runnerguard/config.toml'), `[agent]\nstate_dir = "/var/lib/runnerguard"\n\n[report]\nurl = "http://127.0.0.1:${port}/ingest"\nsplay_max_ms = 0\n\n[metrics]\ntextfile = "/var/lib/runnerguard/runnerguard.prom"\n`, { mode: 0o600 });
      const r = await chroot(['node', RG, 'run', '--root', FIXTURE]);
      expect([0, 1], r.stderr).toContain(r.code);
      expect(r.stderr).toMatch(/"msg":"run finished"/);
      expect(r.stderr).not.toMatch(MISSING_API);
      expect(received.map((x) => x.schema)).toEqual(['runnerguard/report@1']);
      expect(received[0]!.target).toEqual({ root: FIXTURE, live: false });
      expect((await fsp.stat(root.p('/var/lib/runnerguard/last-report.json'))).mode & 0o777).toBe(0o600);
      expect(await fsp.readFile(root.p('/var/lib/runnerguard/runnerguard.prom'), 'utf8')).toMatch(/^runnerguard_finding\{/m);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('remediations act through held handles and as the job dir\'s owner on Node 18 (fix --apply, rollback)', async () => {
    const BUILDS = `${FIXTURE}/home/gitlab-runner/builds`;
    const KEY = `${JOB}/deploy.pem`;
    execFileSync('chown', ['-R', '998:998', root.p(BUILDS)]);
    await fsp.writeFile(root.p(`${FIXTURE}${KEY}`), sshKey('rsa-pem'), { mode: 0o600 });
    await fsp.chown(root.p(`${FIXTURE}${KEY}`), 998, 998);
    await fsp.mkdir(root.p('/etc/runnerguard'), { recursive: true });
    await fsp.writeFile(root.p('/etc/runnerguard/fix.toml'), '[agent]\nstate_dir = "/var/lib/runnerguard-fix"\n', { mode: 0o600 });
    const apply = await chroot(['node', RG, 'fix', '--apply', 'RG-SSH-001', '--root', FIXTURE, '--config', '/etc/runnerguard/fix.toml']);
    expect(apply.stdout + apply.stderr).not.toMatch(MISSING_API);
    expect(apply.stdout, apply.stderr).toMatch(new RegExp(`applied +RG-SSH-001 ${KEY.replace(/[.]/g, '\\.')}`));
    expect(existsSync(root.p(`${FIXTURE}${KEY}`))).toBe(false);
    const back = await chroot(['node', RG, 'rollback', '--root', FIXTURE, '--config', '/etc/runnerguard/fix.toml']);
    expect(back.code, back.stdout + back.stderr).toBe(0);
    const st = await fsp.lstat(root.p(`${FIXTURE}${KEY}`));
    // Written back by a child running as uid 998 (the dir's owner), with the key's mode.
    expect([await fsp.readFile(root.p(`${FIXTURE}${KEY}`)), st.uid, st.mode & 0o7777]).toEqual([sshKey('rsa-pem'), 998, 0o600]);
  });
});
