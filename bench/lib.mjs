// Shared measuring helpers for the benchmarks: wall time and max RSS of a
// child process, measured by GNU time (Debian package `time`).
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';

export function ensurePackages(pkgs) {
  const missing = pkgs.filter((p) => spawnSync('dpkg-query', ['-W', '-f=${Status}', p]).stdout.toString().indexOf('install ok installed') < 0);
  if (missing.length === 0) return;
  console.error(`bench: installing ${missing.join(' ')}`);
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

/** Runs argv under /usr/bin/time; returns { wallMs, cpuMs (user + system), maxRssKb, code }. */
export function measure(argv, opts = {}) {
  const out = `/tmp/rg-bench-time-${process.pid}`;
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M %U %S', '-o', out, ...argv], { stdio: opts.stdio ?? 'ignore', cwd: opts.cwd, env: opts.env ?? process.env, maxBuffer: 256 * 1024 * 1024 });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const [rss, user, sys] = readFileSync(out, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  rmSync(out, { force: true });
  return { wallMs, cpuMs: (user + sys) * 1000, maxRssKb: rss, code: r.status };
}

/** Median of n runs of measure(). */
export function median(n, argv, opts) {
  const runs = Array.from({ length: n }, () => measure(argv, opts));
  runs.sort((a, b) => a.wallMs - b.wallMs);
  return { ...runs[Math.floor(n / 2)], runs: runs.map((r) => Math.round(r.wallMs)) };
}

export const fmtMs = (ms) => `${ms.toFixed(0)} ms`;
export const fmtMb = (kb) => `${(kb / 1024).toFixed(1)} MB`;
