// The fleet (issue 12): 10,000 agents in several worker processes, each
// posting a real report body (an `audit --root` of a 4-runner fixture host
// by the built CLI, gzipped) over mutual TLS to a loopback collector that
// handles `capacity` requests at once and sheds the rest (503, or 429 with
// Retry-After). The collector is down for K cycles, then comes back. Printed
// per version (tick offset, splay and jitter on vs. every agent in step):
// cycles until every report is delivered, peak in-flight requests and open
// connections at the collector, requests per delivered report.
//
// Time is compressed by `scale` (default 4: at 60 the agents' own CPU on 2
// cores sets the pace, not the collector): the schedule is */10 (10 min), so a cycle
// is 600 s / scale of wall time, and every wait the agent's delivery code
// asks for (tick offset, splay, backoff, Retry-After) is divided by scale.
// The network, TLS, gzip and the spool on tmpfs are real. A cycle lasts at
// least its compressed period, and longer when the agents are still busy
// (a daemon skips a tick while its cycle runs; here the next one waits).
// The outage cycles run back to back and make no attempts: each agent spools
// its report and marks its run failed, the state K refused runs leave.
// One TLS context per worker process (not one per connection).
import { execFileSync, fork, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';

// Runners on the fixture host: the report is then ~50 KB of JSON, ~5 KB gzipped.
const RUNNERS = 4;
const env = (k, d) => Number(process.env[`RUNNERGUARD_BENCH_FLEET_${k}`] ?? d);

function pki(dir) {
  const ssl = (args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  ssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=fleet-ca', '-keyout', 'ca.key', '-out', 'ca.crt']);
  for (const [name, ext] of [['server', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n'], ['client', 'extendedKeyUsage=clientAuth\n']]) {
    ssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.csr`]);
    writeFileSync(path.join(dir, `${name}.ext`), ext);
    ssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.crt`]);
  }
  for (const f of ['ca.key', 'server.key', 'client.key']) chmodSync(path.join(dir, f), 0o600);
  writeFileSync(path.join(dir, 'token'), 'fleet-token-0123456789\n', { mode: 0o600 });
  const p = (f) => path.join(dir, f);
  return { ca: p('ca.crt'), serverCert: p('server.crt'), serverKey: p('server.key'), clientCert: p('client.crt'), clientKey: p('client.key'), token: p('token') };
}

/** A real report: the built CLI's audit of a fixture host with 4 GitLab runners. */
function realReport(bundle, dir) {
  const root = path.join(dir, 'root');
  const w = (p, text, mode = 0o644) => {
    mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    writeFileSync(path.join(root, p), text, { mode });
  };
  w('/etc/passwd', 'root:x:0:0:root:/root:/bin/bash\ngitlab-runner:x:999:999::/home/gitlab-runner:/bin/bash\n');
  w('/etc/group', 'root:x:0:\ngitlab-runner:x:999:\ndocker:x:998:gitlab-runner\n');
  w('/etc/os-release', 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n');
  w('/etc/hostname', 'runner-01\n');
  w('/etc/machine-id', '0123456789abcdef0123456789abcdef\n');
  const runners = Array.from({ length: RUNNERS }, (_, i) =>
    `[[runners]]\n  name = "runner-${i}"\n  url = "https://gitlab.example.com/"\n  token = "glrt-FLEET${String(i).padStart(16, '0')}"\n  executor = "${i % 2 ? 'docker' : 'shell'}"\n` +
    (i % 2 ? `  [runners.docker]\n    image = "debian:12"\n    privileged = ${i % 4 === 1}\n    volumes = ["/cache"${i % 3 ? ', "/var/run/docker.sock:/var/run/docker.sock"' : ''}]\n` : ''),
  ).join('');
  w('/etc/gitlab-runner/config.toml', `concurrent = ${RUNNERS}\n${runners}`, 0o600);
  const r = spawnSync(process.execPath, [bundle, 'audit', '--root', root, '--format', 'json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0 && r.status !== 1) throw new Error(`audit failed: ${r.stderr}`);
  const file = path.join(dir, 'report.json');
  writeFileSync(file, r.stdout.trim());
  return file;
}

function child(file, args = []) {
  const execArgv = process.env.RUNNERGUARD_BENCH_FLEET_PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/fleet-prof'] : [];
  const c = fork(file, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
  const waiting = [];
  c.on('message', (m) => {
    if (m.type === 'error') throw new Error(m.error);
    const i = waiting.findIndex((w) => w.type === m.type);
    if (i >= 0) waiting.splice(i, 1)[0].resolve(m);
  });
  c.next = (type) => new Promise((resolve) => waiting.push({ type, resolve }));
  return c;
}

async function simulate(p, jitter) {
  const base = mkdtempSync(path.join('/dev/shm', `rg-fleet-${jitter ? 'on' : 'off'}-`));
  chmodSync(base, 0o700);
  const collector = child('bench/fleet-collector.mjs', [p.capacity, p.serviceMs, p.retryAfterS, p.pki.serverKey, p.pki.serverCert, p.pki.ca, p.pki.token]);
  await collector.next('ready');
  const ask = async (type, reply) => {
    const r = collector.next(reply);
    collector.send({ type });
    return r;
  };
  const { port } = await ask('listen', 'listening');
  await ask('close', 'closed');
  const per = Math.ceil(p.agents / p.workers);
  const workers = [];
  for (let w = 0; w < p.workers; w++) {
    const c = child('.cache/fleet-agent.mjs');
    workers.push(c);
    const ready = c.next('ready');
    c.send({ type: 'init', first: w * per, count: Math.min(per, p.agents - w * per), base: path.join(base, `w${w}`), url: `https://127.0.0.1:${port}/v1/reports`, ca: p.pki.ca, cert: p.pki.clientCert, key: p.pki.clientKey, token: p.pki.token, body: p.body, schedule: p.schedule, periodMs: p.periodMs, scale: p.scale });
    await ready;
  }
  const cycle = async (n, t0, outage) => {
    const done = workers.map((w) => w.next('done'));
    for (const w of workers) w.send({ type: 'cycle', cycle: n, t0, jitter, outage });
    const rs = await Promise.all(done);
    return { delivered: rs.reduce((s, r) => s + r.delivered, 0), attempts: rs.reduce((s, r) => s + r.requests, 0), remaining: rs.reduce((s, r) => s + r.remaining, 0) };
  };
  const started = Date.now();
  for (let k = 1; k <= p.outage; k++) await cycle(k, Date.now(), true);
  await ask('listen', 'listening');
  await ask('stats', 'stats');
  const rows = [];
  const wall = p.periodMs / p.scale;
  let t0 = Date.now() + 100;
  for (let c = 1; c <= p.maxCycles; c++) {
    const agentSide = await cycle(p.outage + c, t0, false);
    const { stats } = await ask('stats', 'stats');
    const row = { cycle: c, ...agentSide, ...stats, wallMs: Date.now() - t0 };
    rows.push(row);
    console.log(`  ${jitter ? 'offset+splay+jitter' : 'all in step'} cycle ${row.cycle}: delivered ${row.delivered}, still spooled ${row.remaining}, collector requests ${row.requests} (shed ${row.shed}, duplicates ${row.duplicates}), peak in-flight ${row.peakInFlight}, peak connections ${row.peakConns}, ${(row.wallMs / 1000).toFixed(1)} s`);
    if (agentSide.remaining === 0) break;
    t0 = Math.max(t0 + wall, Date.now() + 100);
  }
  for (const w of workers) w.send({ type: 'exit' });
  collector.send({ type: 'exit' });
  await Promise.all([...workers, collector].map((c) => new Promise((r) => (c.exitCode !== null ? r() : c.once('exit', r)))));
  rmSync(base, { recursive: true, force: true });
  const produced = p.agents * (p.outage + rows.length);
  const accepted = rows.reduce((s, r) => s + r.accepted, 0);
  const requests = rows.reduce((s, r) => s + r.requests, 0);
  return { jitter, rows, produced, delivered: rows.at(-1).unique, accepted, requests, drainedIn: rows.at(-1).remaining === 0 ? rows.length : null, peakInFlight: Math.max(...rows.map((r) => r.peakInFlight)), peakConns: Math.max(...rows.map((r) => r.peakConns)), wallMs: Date.now() - started };
}

export async function benchFleet(bundle = 'dist/runnerguard.mjs') {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rg-bench-fleet-'));
  try {
    mkdirSync('.cache', { recursive: true });
    await build({ entryPoints: ['bench/fleet-agent.ts'], outfile: '.cache/fleet-agent.mjs', bundle: true, platform: 'node', format: 'esm', target: 'node18.20', logLevel: 'warning',
      banner: { js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" } });
    const body = realReport(bundle, dir);
    const size = readFileSync(body).length;
    const { gzipSync } = await import('node:zlib');
    const p = {
      agents: env('AGENTS', 10_000),
      workers: env('WORKERS', 4),
      outage: env('OUTAGE', 2),
      capacity: env('CAPACITY', 20),
      serviceMs: env('SERVICE_MS', 20),
      retryAfterS: env('RETRY_AFTER', 30),
      scale: env('SCALE', 4),
      maxCycles: env('MAX_CYCLES', 4),
      schedule: '*/10 * * * *',
      periodMs: 600_000,
      pki: pki(dir),
      body,
    };
    console.log(`\n== fleet: ${p.agents} agents in ${p.workers} processes, mutual TLS, report ${(size / 1024).toFixed(1)} KB (${(gzipSync(readFileSync(body)).length / 1024).toFixed(1)} KB gzipped)`);
    console.log(`collector: ${p.capacity} requests at once, ${p.serviceMs} ms each, beyond that 503 / 429 Retry-After ${p.retryAfterS} s; down for ${p.outage} cycles of */10, time compressed ${p.scale}x`);
    const out = [];
    for (const jitter of [false, true]) {
      const r = await simulate(p, jitter);
      out.push(r);
      const slowest = Math.max(...r.rows.map((row) => row.wallMs));
      // A cycle far longer than its compressed period: the agents' CPU, not the collector, set the pace (say so).
      if (slowest > 1.5 * (p.periodMs / p.scale)) console.log(`  note: a cycle took ${(slowest / 1000).toFixed(0)} s of wall time for a compressed period of ${p.periodMs / p.scale / 1000} s: this machine's CPU, not the collector, set the pace; fewer agents (RUNNERGUARD_BENCH_FLEET_AGENTS) or a smaller SCALE keep time compressed faithfully`);
      console.log(`${jitter ? 'offset+splay+jitter' : 'all in step        '}: every report delivered ${r.drainedIn ? `in ${r.drainedIn} cycle(s) after recovery` : `NOT within ${p.maxCycles} cycles`} (${r.delivered}/${r.produced}); peak in-flight ${r.peakInFlight}, peak connections ${r.peakConns}; ${(r.requests / Math.max(1, r.accepted)).toFixed(2)} requests per delivered report; ${(r.wallMs / 1000).toFixed(0)} s`);
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchFleet(process.argv[2]);
