// The build-dir checks on a generated tree of 200,000 files in 2,000 job dirs,
// against `du -sb` of the same tree (target: <= 1.5x du's wall time).
import { existsSync, mkdirSync, writeFileSync, rmSync, utimesSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { fmtMb, fmtMs, median } from './lib.mjs';

const ROOT = '/var/tmp/runnerguard-bench/root';
const BUILDS = `${ROOT}/home/gitlab-runner/builds`;
const JOBS = 2000;
const FILES_PER_JOB = 100; // 2000 x 100 = 200,000 files

function generate() {
  const marker = `${ROOT}/.generated-${JOBS}x${FILES_PER_JOB}`;
  if (existsSync(marker)) return;
  rmSync(ROOT, { recursive: true, force: true });
  console.error(`bench: generating ${JOBS * FILES_PER_JOB} files in ${JOBS} job dirs under ${BUILDS}`);
  mkdirSync(`${ROOT}/etc/gitlab-runner`, { recursive: true });
  writeFileSync(`${ROOT}/etc/passwd`, 'root:x:0:0::/root:/bin/sh\ngitlab-runner:x:998:998::/home/gitlab-runner:/bin/sh\n');
  writeFileSync(`${ROOT}/etc/group`, 'root:x:0:\ngitlab-runner:x:998:\n');
  writeFileSync(`${ROOT}/etc/gitlab-runner/config.toml`, '[[runners]]\n  name = "bench"\n  executor = "shell"\n  builds_dir = "/home/gitlab-runner/builds"\n');
  chmodSync(`${ROOT}/etc/gitlab-runner/config.toml`, 0o600);
  const old = new Date(Date.now() - 72 * 3600_000);
  const payload = Buffer.alloc(2048, 'x');
  for (let j = 0; j < JOBS; j++) {
    const job = path.join(BUILDS, 'b3nchtok', String(j % 4), `group${j % 50}`, `project${j}`);
    const dirs = [job, `${job}/.git`, `${job}/.git/objects`, `${job}/src`, `${job}/src/lib`, `${job}/test`];
    for (const d of dirs) mkdirSync(d, { recursive: true });
    writeFileSync(`${job}/.git/HEAD`, 'ref: refs/heads/main\n');
    writeFileSync(`${job}/.git/config`, '[remote "origin"]\n\turl = https://gitlab.example.com/g/p.git\n');
    for (let f = 2; f < FILES_PER_JOB; f++) {
      const d = dirs[2 + (f % 4)];
      writeFileSync(`${d}/f${f}`, payload.subarray(0, 512 + (f * 37) % 1536));
    }
    if (j % 2 === 0) for (const d of [...dirs].reverse()) utimesSync(d, old, old);
  }
  writeFileSync(marker, '');
}

export function benchBuildScan(bundle) {
  generate();
  median(1, ['du', '-sb', BUILDS]); // warm the dentry/inode cache for both
  const du = median(5, ['du', '-sb', BUILDS]);
  const rg = median(5, [process.execPath, bundle, 'audit', '--root', ROOT, '--only', 'RG-BUILD-001,RG-BUILD-002', '--format', 'json']);
  const ratio = rg.wallMs / du.wallMs;
  console.log(`\n== build-dir checks on ${JOBS * FILES_PER_JOB} files in ${JOBS} job dirs vs du -sb`);
  console.log(`du -sb:                         ${fmtMs(du.wallMs)} median of 5 (${du.runs.join(', ')} ms), max RSS ${fmtMb(du.maxRssKb)}`);
  console.log(`runnerguard RG-BUILD-001,002:   ${fmtMs(rg.wallMs)} median of 5 (${rg.runs.join(', ')} ms), max RSS ${fmtMb(rg.maxRssKb)}`);
  console.log(`ratio runnerguard/du: ${ratio.toFixed(2)}x (target <= 1.5x) ${ratio <= 1.5 ? 'MET' : 'MISSED'}`);
  return { du, rg, ratio };
}
