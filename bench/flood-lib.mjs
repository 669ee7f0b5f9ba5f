// The credential flood (issue 11): a job writes 100,000 checkouts whose
// .git/config carries a token, and `run` must still finish under the packaged
// unit's MemoryMax=256M. Shared by bench/flood.mjs and the e2e-heavy test.
import { spawn } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const RUNNER_UID = 999;
export const BUILDS = '/home/gitlab-runner/builds';
const CRED = '[core]\n\tbare = false\n[remote "origin"]\n\turl = https://gitlab-ci-token:glpat-FLOODFLOODFLOOD00000@gitlab.example.com/g/p.git\n';

/**
 * A target root holding `count` job checkouts at
 * builds/<token>/<n>/<group>/<proj>/.git/config, each with credentials in
 * its remote URL, owned by the runner user. Kept between runs (a marker).
 */
export function generateFlood(root, count) {
  const marker = `${root}/.flood-${count}`;
  if (existsSync(marker)) return;
  rmSync(root, { recursive: true, force: true });
  mkdirSync(`${root}/etc/gitlab-runner`, { recursive: true });
  writeFileSync(`${root}/etc/passwd`, `root:x:0:0::/root:/bin/sh\ngitlab-runner:x:${RUNNER_UID}:${RUNNER_UID}::/home/gitlab-runner:/bin/sh\n`);
  writeFileSync(`${root}/etc/group`, `root:x:0:\ngitlab-runner:x:${RUNNER_UID}:\n`);
  writeFileSync(
    `${root}/etc/gitlab-runner/config.toml`,
    `[[runners]]\n  name = "flood"\n  url = "https://gitlab.example.com/"\n  token = "glrt-FLOODRUNNERTOKEN0001"\n  executor = "shell"\n  builds_dir = "${BUILDS}"\n`,
    { mode: 0o600 },
  );
  const own = (p) => chownSync(p, RUNNER_UID, RUNNER_UID);
  mkdirSync(`${root}${BUILDS}`, { recursive: true });
  own(`${root}/home/gitlab-runner`);
  own(`${root}${BUILDS}`);
  const groups = 100;
  const perGroup = 100;
  for (let i = 0; i < count; i++) {
    const n = Math.floor(i / (groups * perGroup));
    const g = Math.floor(i / perGroup) % groups;
    const job = path.join(`${root}${BUILDS}`, 'fl00dtok', String(n), `group${g}`, `proj${i % perGroup}`);
    mkdirSync(`${job}/.git`, { recursive: true });
    writeFileSync(`${job}/.git/config`, CRED);
  }
  // One chown -R would be faster to write, but this keeps the generator dependency-free.
  const walkOwn = (dir) => {
    own(dir);
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      const p = `${dir}/${d.name}`;
      if (d.isDirectory()) walkOwn(p);
      else own(p);
    }
  };
  walkOwn(`${root}${BUILDS}/fl00dtok`);
  writeFileSync(marker, '');
}

/** The memory cgroup (v1) this process is in, as a directory under /sys/fs/cgroup/memory. */
export function ownMemoryCgroup() {
  const line = readFileSync('/proc/self/cgroup', 'utf8')
    .split('\n')
    .find((l) => /^\d+:([^:]*,)?memory(,[^:]*)?:/.test(l));
  if (!line) return null;
  const dir = path.join('/sys/fs/cgroup/memory', line.split(':')[2]);
  return existsSync(`${dir}/memory.limit_in_bytes`) ? dir : null;
}

const readNum = (f) => Number(readFileSync(f, 'utf8').trim());

/**
 * Runs argv in a fresh child memory cgroup limited to `limitBytes` (swap too,
 * when the kernel accounts it). The child writes its own pid into
 * cgroup.procs before exec, so all of node's memory is charged from the
 * first byte. Resolves with exit code/signal, output, and the cgroup's
 * figures; the cgroup is removed afterwards.
 */
export async function runInMemCgroup(argv, limitBytes, opts = {}) {
  const parent = ownMemoryCgroup();
  if (!parent) throw new Error('no cgroup-v1 memory controller for this process');
  const cg = `${parent}/rg-bench-${process.pid}-${Date.now()}`;
  mkdirSync(cg);
  try {
    writeFileSync(`${cg}/memory.limit_in_bytes`, String(limitBytes));
    if (existsSync(`${cg}/memory.memsw.limit_in_bytes`)) writeFileSync(`${cg}/memory.memsw.limit_in_bytes`, String(limitBytes));
    const quoted = argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    const child = spawn('sh', ['-c', `echo $$ > '${cg}/cgroup.procs' && exec ${quoted}`], { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env, cwd: opts.cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout = (stdout + d).slice(-1024 * 1024)));
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-1024 * 1024)));
    const t0 = process.hrtime.bigint();
    const [code, signal] = await new Promise((resolve) => child.on('close', (c, s) => resolve([c, s])));
    const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const oom = Object.fromEntries(
      readFileSync(`${cg}/memory.oom_control`, 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split(' '))
        .map(([k, v]) => [k, Number(v)]),
    );
    const stat = Object.fromEntries(
      readFileSync(`${cg}/memory.stat`, 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split(' '))
        .map(([k, v]) => [k, Number(v)]),
    );
    return {
      code,
      signal,
      stdout,
      stderr,
      wallMs,
      maxUsageBytes: readNum(`${cg}/memory.max_usage_in_bytes`),
      failcnt: readNum(`${cg}/memory.failcnt`),
      oomKills: oom.oom_kill ?? 0,
      underOom: oom.under_oom ?? 0,
      maxRssBytes: stat.total_rss ?? stat.rss ?? 0,
    };
  } finally {
    // Charges left by the exited child (page cache) move to the parent on rmdir.
    for (let i = 0; i < 50; i++) {
      try {
        rmdirSync(cg);
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
}

/** A config for `run` whose state and metrics live in `dir`; the collector is a closed loopback port. */
export function floodConfig(dir) {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = `${dir}/config.toml`;
  writeFileSync(
    file,
    [
      '[agent]',
      `state_dir = "${dir}/state"`,
      // Under a 256 MiB limit the kernel keeps evicting the tree's dentries and inodes: on a busy
      // 2-core machine the walks take minutes. The budget is measured, not the subject here.
      'check_timeout_ms = 60000',
      '[report]',
      // Nothing listens on port 9 (discard) here: the report stays spooled.
      'url = "https://127.0.0.1:9/reports"',
      'splay_max_ms = 0',
      'max_attempts = 1',
      'connect_timeout_ms = 1000',
      '[metrics]',
      `textfile = "${dir}/runnerguard.prom"`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  return { file, stateDir: `${dir}/state`, metrics: `${dir}/runnerguard.prom` };
}
