// `node bench/run.mjs flood`: `run` over 100,000 job-made credential files in
// a real cgroup-v1 memory cgroup limited to 256 MiB (the packaged unit's
// MemoryMax). Prints the cgroup's peak, whether the OOM killer fired, and
// whether the report, the spool entry and the metrics were written.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { ensurePackages } from './lib.mjs';
import { floodConfig, generateFlood, runInMemCgroup } from './flood-lib.mjs';

const ROOT = '/var/tmp/runnerguard-bench/flood';
const COUNT = 100_000;
const LIMIT = 256 * 1024 * 1024;
const mb = (b) => `${(b / 1024 / 1024).toFixed(1)} MiB`;

export async function benchFlood(bundle, opts = {}) {
  const count = opts.count ?? COUNT;
  const root = `${ROOT}-${count}`;
  console.error(`bench: flood of ${count} .git/config files with credentials under ${root}`);
  ensurePackages(['time']);
  generateFlood(root, count);
  const work = `/var/tmp/runnerguard-bench/flood-run-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  const cfg = floodConfig(work);
  const timeOut = `${work}/time`;
  const argv = ['/usr/bin/time', '-f', '%M', '-o', timeOut, process.execPath, bundle, 'run', '--root', root, '--config', cfg.file, '--only', 'RG-BUILD-001,RG-BUILD-002,RG-SSH-001'];
  if (opts.all) argv.splice(argv.indexOf('--only'), 2);
  const r = await runInMemCgroup(argv, opts.limit ?? LIMIT);
  const report = existsSync(`${cfg.stateDir}/last-report.json`) ? JSON.parse(readFileSync(`${cfg.stateDir}/last-report.json`, 'utf8')) : null;
  const spool = existsSync(`${cfg.stateDir}/spool`) ? readdirSync(`${cfg.stateDir}/spool`).filter((n) => n.endsWith('.json') || n.endsWith('.json.gz')) : [];
  const metrics = existsSync(cfg.metrics);
  const maxRssKb = existsSync(timeOut) ? Number(readFileSync(timeOut, 'utf8').trim().split('\n').pop()) : NaN;
  console.log(`\n== run over ${count} credential files in a ${mb(opts.limit ?? LIMIT)} memory cgroup`);
  console.log(`exit ${r.code ?? r.signal}, ${(r.wallMs / 1000).toFixed(1)} s`);
  console.log(`cgroup peak (memory.max_usage_in_bytes, incl. page cache): ${mb(r.maxUsageBytes)}; failcnt ${r.failcnt}; oom_kill ${r.oomKills}`);
  console.log(`node max RSS (GNU time): ${mb(maxRssKb * 1024)}`);
  console.log(`report ${report ? `written (${report.findings.length} findings)` : 'MISSING'}; spool entries ${spool.length}; metrics ${metrics ? 'written' : 'MISSING'}`);
  if (report) {
    const agg = report.findings.filter((f) => /more|in all|aggregate/i.test(f.message)).slice(0, 3);
    for (const f of agg) console.log(`  ${f.check} ${f.status}: ${f.message}`);
  }
  if (!report || spool.length === 0) console.log(r.stderr.split('\n').slice(-5).join('\n'));
  rmSync(work, { recursive: true, force: true });
  return { ...r, maxRssKb, report: !!report, spool: spool.length, metrics };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const count = Number(process.argv[2] ?? COUNT);
  await benchFlood('dist/runnerguard.mjs', { count, limit: process.argv[3] ? Number(process.argv[3]) * 1024 * 1024 : LIMIT });
}
