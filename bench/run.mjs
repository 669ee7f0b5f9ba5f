// `npm run bench`: prints figures and ratios measured side by side in one
// run. Benchmarks, not tests: nothing here asserts a time.
import { execFileSync } from 'node:child_process';
import { benchAudit } from './audit.mjs';
import { benchBuildScan } from './build-scan.mjs';
import { benchDaemon } from './daemon.mjs';
import { benchFleet } from './fleet.mjs';
import { benchFlood } from './flood.mjs';
import { benchFloorWalk } from './floor-walk.mjs';
import { benchStartup } from './startup.mjs';

execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
const bundle = 'dist/runnerguard.mjs';
const only = process.argv.slice(2);
const want = (name) => only.length === 0 || only.includes(name);

if (want('startup')) benchStartup(bundle);
if (want('build')) benchBuildScan(bundle);
if (want('audit')) benchAudit(bundle);
if (want('fleet')) await benchFleet(bundle);
// Minutes long: only when named (`node bench/run.mjs daemon`).
if (only.includes('daemon')) await benchDaemon(bundle);
// The bare-walk floor under the scan (no checks, no bundle): only when named (`node bench/run.mjs floor`).
if (only.includes('floor')) await benchFloorWalk();
// Needs a cgroup-v1 memory controller and builds 100,000 checkouts: only when named (`node bench/run.mjs flood`).
if (only.includes('flood')) await benchFlood(bundle);
