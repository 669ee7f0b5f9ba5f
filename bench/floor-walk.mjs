// The floor under the build-dir scan: a bare walk with none of the checks and
// none of the bundle (open each dir O_NOFOLLOW from its parent's handle,
// fstat it, list it, close it: the system calls the scan cannot do without),
// in one thread and split over 2 worker threads, as whole processes against
// `du -sb` on the same shapes. What these print is how far below du a Node
// walk can get on this machine, not a target.
//   node bench/floor-walk.mjs [worker]   (the worker mode is internal)
import { closeSync, constants, fstatSync, openSync, readdirSync } from 'node:fs';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';

const F = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const LIST = { withFileTypes: true, encoding: 'latin1' };

/** Entries below the dir open as `fd` (closed by the caller). */
function walkFd(fd) {
  const base = `/proc/${process.pid}/fd/${fd}`;
  let n = 0;
  for (const e of readdirSync(base, LIST)) {
    n++;
    if (!e.isDirectory()) continue;
    const c = openSync(`${base}/${e.name}`, F);
    fstatSync(c);
    n += walkFd(c);
    closeSync(c);
  }
  return n;
}

function walkPath(p) {
  const fd = openSync(p, F);
  try {
    return walkFd(fd);
  } finally {
    closeSync(fd);
  }
}

if (!isMainThread) {
  parentPort.on('message', (p) => (p === null ? process.exit(0) : parentPort.postMessage(walkPath(p))));
} else if (process.argv[2] === 'walk') {
  // One process: `walk DIR THREADS`. THREADS 1 walks here; more hand the dirs two levels down to workers.
  const [dir, threads] = [process.argv[3], Number(process.argv[4] ?? 1)];
  if (threads <= 1) walkPath(dir);
  else {
    const parts = [];
    for (const a of readdirSync(dir)) for (const b of readdirSync(`${dir}/${a}`)) parts.push(`${dir}/${a}/${b}`);
    let next = 0;
    await Promise.all(
      Array.from({ length: threads }, () => new Promise((resolve) => {
        const w = new Worker(new URL(import.meta.url));
        const give = () => w.postMessage(next < parts.length ? parts[next++] : null);
        w.on('message', give);
        w.on('exit', resolve);
        give();
      })),
    );
  }
}

export async function benchFloorWalk() {
  const { measure } = await import('./lib.mjs');
  const { SHAPES, shapeRoot } = await import('./shapes.mjs');
  const runs = Number(process.env.RUNNERGUARD_BENCH_RUNS ?? 5);
  const names = process.env.RUNNERGUARD_BENCH_SHAPES?.split(',') ?? Object.keys(SHAPES);
  const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const self = new URL(import.meta.url).pathname;
  console.log(`\n== floor: a bare walk (no checks, no bundle) vs du -sb, whole processes, median of ${runs} alternating runs`);
  for (const name of names) {
    const { builds } = shapeRoot(name);
    const cmds = [['du -sb', ['du', '-sb', builds]], ['bare walk, 1 thread', [process.execPath, self, 'walk', builds, '1']], ['bare walk, 2 workers', [process.execPath, self, 'walk', builds, '2']]];
    for (const [, argv] of cmds) measure(argv);
    const t = cmds.map(() => []);
    for (let i = 0; i < runs; i++) cmds.forEach(([, argv], j) => t[j].push(measure(argv).wallMs));
    const du = med(t[0]);
    console.log(`${name}: du ${du.toFixed(0)} ms; ${cmds.slice(1).map(([label], k) => `${label} ${med(t[k + 1]).toFixed(0)} ms (${(med(t[k + 1]) / du).toFixed(2)}x)`).join('; ')}`);
  }
}
