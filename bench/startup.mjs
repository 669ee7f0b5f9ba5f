// `runnerguard --version` against `node -e 0` (target: <= 2.0x), whole
// processes, alternating, median of RUNNERGUARD_BENCH_RUNS (default 21):
// what start-up costs before any command runs, however big the catalogue.
import { loadavg } from 'node:os';
import { fmtMb, measure } from './lib.mjs';

const TARGET = 2.0;
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export function benchStartup(bundle) {
  const runs = Number(process.env.RUNNERGUARD_BENCH_RUNS ?? 21);
  const cmds = [
    { label: 'node -e 0', argv: [process.execPath, '-e', '0'] },
    { label: 'runnerguard --version', argv: [process.execPath, bundle, '--version'] },
    { label: 'runnerguard --help', argv: [process.execPath, bundle, '--help'] },
  ];
  if (process.env.RUNNERGUARD_BENCH_BASELINE) cmds.push({ label: 'baseline --version', argv: [process.execPath, process.env.RUNNERGUARD_BENCH_BASELINE, '--version'] });
  const before = loadavg().map((l) => l.toFixed(2)).join(' ');
  for (const c of cmds) measure(c.argv);
  const times = cmds.map(() => []);
  const rss = cmds.map(() => 0);
  for (let i = 0; i < runs; i++) {
    cmds.forEach((c, j) => {
      const r = measure(c.argv);
      times[j].push(r.wallMs);
      rss[j] = Math.max(rss[j], r.maxRssKb);
    });
  }
  const base = med(times[0]);
  console.log(`\n== start-up: median of ${runs} alternating runs`);
  cmds.forEach((c, j) => {
    const ratio = med(times[j]) / base;
    const verdict = j === 0 ? '' : ` ${ratio.toFixed(2)}x node -e 0${c.label.endsWith('--version') && !c.label.startsWith('baseline') ? ` (target <= ${TARGET.toFixed(1)}x) ${ratio <= TARGET ? 'MET' : 'MISSED'}` : ''}`;
    console.log(`${c.label.padEnd(22)} ${med(times[j]).toFixed(0).padStart(4)} ms, max RSS ${fmtMb(rss[j])}${verdict}`);
  });
  console.log(`load average ${before} before, ${loadavg().map((l) => l.toFixed(2)).join(' ')} after`);
}
