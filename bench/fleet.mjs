// The fleet: 500 agents spool while the collector is down, then drain when it
// comes back; with and without splay. Reports delivered/produced, the
// collector's peak requests per second and the time to drain.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { build } from 'esbuild';

export async function benchFleet() {
  mkdirSync('.cache', { recursive: true });
  await build({ entryPoints: ['bench/fleet-sim.ts'], outfile: '.cache/fleet-sim.mjs', bundle: true, platform: 'node', format: 'esm', target: 'node18.20', logLevel: 'warning',
    banner: { js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" } });
  const out = execFileSync(process.execPath, ['.cache/fleet-sim.mjs', '500', '4', '10000'], { encoding: 'utf8' });
  console.log('\n== fleet: 500 agents x 4 spooled reports, collector down then up (splay_max_ms 0 vs 10000)');
  for (const line of out.trim().split('\n')) {
    const r = JSON.parse(line);
    console.log(`splay ${String(r.splayMaxMs).padStart(5)} ms: delivered/produced ${r.delivered}/${r.produced}, peak ${r.peakRps} req/s, drain ${(r.drainMs / 1000).toFixed(1)} s, ${r.requests} requests`);
  }
}
