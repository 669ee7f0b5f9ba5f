// The full live audit against `lynis audit system --quick` on the same
// machine (target: <= 1/40 of its wall time; <= 80 MB max RSS).
import { ensurePackages, fmtMb, fmtMs, measure, median } from './lib.mjs';

export function benchAudit(bundle) {
  ensurePackages(['lynis', 'time']);
  const rg = median(5, [process.execPath, bundle, 'audit', '--format', 'json']);
  const ly = measure(['lynis', 'audit', 'system', '--quick', '--no-colors', '--no-log']);
  const ratio = ly.wallMs / rg.wallMs;
  console.log('\n== full live audit vs lynis audit system --quick');
  console.log(`runnerguard audit: ${fmtMs(rg.wallMs)} median of 5 (${rg.runs.join(', ')} ms), max RSS ${fmtMb(rg.maxRssKb)}`);
  console.log(`lynis --quick:     ${fmtMs(ly.wallMs)}, max RSS ${fmtMb(ly.maxRssKb)}`);
  console.log(`ratio lynis/runnerguard: ${ratio.toFixed(1)}x (target >= 40x) ${ratio >= 40 ? 'MET' : 'MISSED'}`);
  console.log(`audit max RSS: ${fmtMb(rg.maxRssKb)} (target <= 80 MB) ${rg.maxRssKb <= 80 * 1024 ? 'MET' : 'MISSED'}`);
  return { rg, ly, ratio };
}
