// The build-dir checks against `du -sb` of the same builds dir, on trees of
// several shapes (bench/shapes.mjs), target <= 1.0x du's wall time on every
// one. Whole processes (node start-up and loading the bundle included), run
// alternately (du, runnerguard, du, ...) after one warm-up run of each, so
// a busy machine slows both alike; the ratio is of the medians. Peak RSS:
// the largest max RSS of the runnerguard runs.
//
// RUNNERGUARD_BENCH_RUNS: runs of each per shape (default 7).
// RUNNERGUARD_BENCH_SHAPES: a comma list of shapes (default: all).
// Each shape is run with the default (one thread) and with `scan_threads = 2`.
// RUNNERGUARD_BENCH_BASELINE=FILE: another bundle (e.g. the last release)
// measured in the same alternation, so a before/after is read under the same load.
import { writeFileSync } from 'node:fs';
import os, { loadavg } from 'node:os';
import path from 'node:path';
import { ensurePackages, fmtMb, measure } from './lib.mjs';
import { SHAPES, shapeRoot } from './shapes.mjs';

const TARGET = 1.0;
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

function measureShape(name, bundles, runs) {
  const { root, builds } = shapeRoot(name);
  const rgArgv = (b) => [process.execPath, b.file, 'audit', '--root', root, '--only', 'RG-BUILD-001,RG-BUILD-002', '--format', 'json', ...(b.config ? ['--config', b.config] : [])];
  const cmds = [{ label: 'du -sb', argv: ['du', '-sb', builds] }, ...bundles.map((b) => ({ label: b.label, argv: rgArgv(b), bundle: true }))];
  for (const c of cmds) measure(c.argv); // warm the dentry/inode cache and the page cache of node and the bundle
  const times = cmds.map(() => []);
  const cpu = cmds.map(() => []);
  const rss = cmds.map(() => 0);
  const codes = new Set();
  for (let i = 0; i < runs; i++) {
    cmds.forEach((c, j) => {
      const r = measure(c.argv);
      times[j].push(r.wallMs);
      cpu[j].push(r.cpuMs);
      rss[j] = Math.max(rss[j], r.maxRssKb);
      if (c.bundle) codes.add(r.code);
    });
  }
  const du = med(times[0]);
  const duCpu = med(cpu[0]);
  return cmds.slice(1).map((c, k) => ({ shape: name, label: c.label, duMs: du, ms: med(times[k + 1]), ratio: med(times[k + 1]) / du, cpuMs: med(cpu[k + 1]), duCpuMs: duCpu, rssKb: rss[k + 1], codes: [...codes] }));
}

export function benchBuildScan(bundle) {
  ensurePackages(['time']);
  const runs = Number(process.env.RUNNERGUARD_BENCH_RUNS ?? 7);
  const names = process.env.RUNNERGUARD_BENCH_SHAPES?.split(',') ?? Object.keys(SHAPES);
  // The default (one thread), and two (a worker beside the scan: [agent] scan_threads = 2).
  const twoThreads = path.join(os.tmpdir(), 'runnerguard-bench-2-threads.toml');
  writeFileSync(twoThreads, '[agent]\nscan_threads = 2\n');
  const bundles = [
    { label: 'runnerguard', file: bundle },
    { label: '2 threads', file: bundle, config: twoThreads },
  ];
  if (process.env.RUNNERGUARD_BENCH_BASELINE) bundles.push({ label: 'baseline', file: process.env.RUNNERGUARD_BENCH_BASELINE });
  console.log(`\n== build-dir checks (audit --only RG-BUILD-001,RG-BUILD-002, whole process) vs du -sb of the builds dir; median of ${runs} alternating runs, warm cache`);
  const out = [];
  for (const name of names) {
    const before = load();
    const rows = measureShape(name, bundles, runs);
    console.log(`${name}: ${SHAPES[name].about}`);
    for (const r of rows) {
      const verdict = r.ratio <= TARGET ? 'MET' : 'MISSED';
      console.log(`  ${r.label.padEnd(12)} ${r.ms.toFixed(0).padStart(5)} ms vs du ${r.duMs.toFixed(0).padStart(5)} ms: ${r.ratio.toFixed(2)}x (target <= ${TARGET.toFixed(1)}x) ${verdict}; peak RSS ${fmtMb(r.rssKb)}; exit ${r.codes.join('/')}`);
      // CPU (user + system), what the packaged unit's CPUQuota=50% meters: informative, not the target.
      console.log(`  ${''.padEnd(12)} CPU ${r.cpuMs.toFixed(0).padStart(5)} ms vs du ${r.duCpuMs.toFixed(0).padStart(5)} ms: ${(r.cpuMs / r.duCpuMs).toFixed(2)}x`);
    }
    console.log(`  load average ${before} before, ${load()} after`);
    out.push(...rows);
  }
  return out;
}
