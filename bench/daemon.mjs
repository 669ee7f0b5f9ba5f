// Idle footprint of `runnerguard daemon` (target: RSS <= 60 MB after an hour
// on a 1-minute schedule). The daemon audits this host live every minute and
// delivers to a loopback collector here; memory is sampled from /proc between
// cycles (RSS counts node's own binary pages, shared with every node process:
// PSS and private dirty are printed beside it). Minutes:
// RUNNERGUARD_BENCH_DAEMON_MINUTES (default 10). Debian 12's own Node 18:
// RUNNERGUARD_BENCH_CHROOT=DIR, a Debian root with nodejs (e.g. a copy of the
// test cache's bookworm-node layer); the daemon then runs chrooted there.
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

const field = (file, name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(readFileSync(file, 'utf8'))?.[1]);
const mb = (k) => `${(k / 1024).toFixed(1)} MB`;

function sample(pid) {
  const st = `/proc/${pid}/status`;
  const sm = `/proc/${pid}/smaps_rollup`;
  // utime + stime of the daemon itself (its cycle children not included), in clock ticks (USER_HZ 100).
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const [utime, stime] = stat.slice(stat.lastIndexOf(')') + 2).split(' ').slice(11, 13).map(Number);
  return { rss: field(st, 'VmRSS'), hwm: field(st, 'VmHWM'), pss: field(sm, 'Pss'), priv: field(sm, 'Private_Dirty'), cpuMs: (utime + stime) * 10 };
}

/**
 * The environment, node flags and script of the wrapper's `daemon)` line
 * (`daemon) [exec env A=B ...] exec /usr/bin/node FLAGS... /usr/lib/runnerguard/FILE "$@"`),
 * or the environment and flags of `override` (the wrapper's script still).
 */
function wrapperDaemon(override) {
  const line = /^daemon\)\s*(.*?)\s*;;$/m.exec(readFileSync(new URL('../packaging/runnerguard.sh', import.meta.url), 'utf8'))?.[1];
  if (!line) throw new Error('packaging/runnerguard.sh: no daemon) line');
  const script = line.split(/\s+/).find((w) => w.startsWith('/usr/lib/runnerguard/'));
  if (!script) throw new Error('packaging/runnerguard.sh: the daemon) line names no /usr/lib/runnerguard/ file');
  const words = override?.split(/\s+/).filter(Boolean) ?? line.split(/\s+/).filter((w) => w !== 'exec' && w !== 'env' && w !== '/usr/bin/node' && !w.startsWith('/usr/lib/') && !w.startsWith('"$'));
  const env = Object.fromEntries(words.filter((w) => /^[A-Z_]+=/.test(w)).map((w) => w.split('=', 2)));
  // RUNNERGUARD_BENCH_DAEMON_FILE=runnerguard.mjs: the daemon as the full bundle ran it before it had its own file.
  return { env, flags: words.filter((w) => w.startsWith('--')), file: process.env.RUNNERGUARD_BENCH_DAEMON_FILE ?? path.basename(script) };
}

export async function benchDaemon(bundle) {
  const minutes = Number(process.env.RUNNERGUARD_BENCH_DAEMON_MINUTES ?? 10);
  const jail = process.env.RUNNERGUARD_BENCH_CHROOT;
  // In a chroot every path the daemon sees is inside it: `inner` maps ours to its.
  const dir = mkdtempSync(path.join(jail ? path.join(jail, 'tmp') : os.tmpdir(), 'rg-bench-daemon-'));
  const inner = (p) => (jail ? p.slice(path.resolve(jail).length) : p);
  // Started as /usr/bin/runnerguard starts it (packaging/runnerguard.sh: its file, environment
  // and node flags; RUNNERGUARD_BENCH_DAEMON_NODE="ENV=V --flag ..." replaces the last two).
  // The files the build puts next to the bundle: the daemon's own, and the bundle its cycles run.
  const { env: wrapEnv, flags, file } = wrapperDaemon(process.env.RUNNERGUARD_BENCH_DAEMON_NODE);
  let script = path.join(path.dirname(bundle), file);
  if (jail) {
    for (const f of new Set([path.basename(bundle), file])) copyFileSync(path.join(path.dirname(bundle), f), path.join(dir, f));
    script = path.join(dir, file);
  }
  let received = 0;
  const server = http.createServer((req, res) => {
    req.resume().on('end', () => {
      received++;
      res.writeHead(202).end();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const config = path.join(dir, 'config.toml');
  const url = `http://127.0.0.1:${server.address().port}/v1/reports`;
  writeFileSync(config, `[agent]\nstate_dir = "${inner(dir)}/state"\nschedule = "* * * * *"\n\n[report]\nurl = "${url}"\nsplay_max_ms = 0\n\n[metrics]\ntextfile = "${inner(dir)}/runnerguard.prom"\n`, { mode: 0o600 });
  // chroot(8) execs node: the pid sampled is the daemon's own.
  const node = jail ? ['chroot', jail, '/usr/bin/node', ...flags] : [process.execPath, ...flags];
  const version = execFileSync(node[0], [...node.slice(1, jail ? 3 : 1), '--version']).toString().trim();
  const env = { ...process.env, ...wrapEnv };
  // Mounted here, after everything that can throw before the try below, which unmounts it.
  if (jail) {
    mkdirSync(path.join(jail, 'proc'), { recursive: true });
    execFileSync('mount', ['-t', 'proc', 'proc', path.join(jail, 'proc')]);
  }
  const child = spawn(node[0], [...node.slice(1), inner(script), 'daemon', '--config', inner(config)], { stdio: ['ignore', 'ignore', 'pipe'], env });
  console.log(`daemon: ${Object.entries(wrapEnv).map(([k, v]) => `${k}=${v} `).join('')}node ${flags.join(' ')} ${file} daemon`);
  let cycles = 0;
  child.stderr.on('data', (d) => (cycles += String(d).split('"msg":"run finished"').length - 1));
  console.log(`\n== runnerguard daemon, 1-minute schedule, ${minutes} min, node ${version}${jail ? ' (chroot)' : ''}`);
  const samples = [];
  try {
    for (let m = 1; m <= minutes; m++) {
      // Sample at :30 of each wall-clock minute: between cycles (they start on the minute).
      await new Promise((r) => setTimeout(r, 60_000 - ((Date.now() - 30_000) % 60_000)));
      if (child.exitCode !== null) throw new Error(`daemon exited ${child.exitCode}`);
      const s = { minute: m, ...sample(child.pid) };
      samples.push(s);
      console.log(`min ${String(m).padStart(3)}: RSS ${mb(s.rss)} (PSS ${mb(s.pss)}, private dirty ${mb(s.priv)}), peak ${mb(s.hwm)}, daemon CPU ${s.cpuMs} ms, cycles ${cycles}, reports received ${received}`);
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('close', r));
    server.close();
    if (jail) execFileSync('umount', [path.join(jail, 'proc')]);
    rmSync(dir, { recursive: true, force: true });
  }
  const last = samples.at(-1);
  // After the first minute (start-up: loading the bundle and the config), what scheduling and forking cost.
  const steady = samples.length > 1 ? (last.cpuMs - samples[0].cpuMs) / (samples.length - 1) : NaN;
  console.log(`daemon CPU (its own, cycles excluded): ${samples[0].cpuMs} ms at start-up, then ${steady.toFixed(1)} ms per minute (${((steady / 60_000) * 100).toFixed(3)}% of one core)`);
  console.log(`idle RSS after ${minutes} min: ${mb(last.rss)} (target <= 60 MB) ${last.rss <= 60 * 1024 ? 'MET' : 'MISSED'}; PSS ${mb(last.pss)}, private dirty ${mb(last.priv)}; peak ${mb(last.hwm)}; daemon exit ${child.exitCode}`);
  return { samples, cycles, received };
}
