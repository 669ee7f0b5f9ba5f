// Build-dir trees of different shapes for the build-scan bench, generated
// once each under /var/tmp/runnerguard-bench/shapes/<name> (a marker file
// says the tree is complete; a changed recipe gets a new marker name).
// Every shape is a runner root: a shell runner whose builds_dir holds
// checkouts (a dir with .git/HEAD and .git/config), so the build-dir checks
// judge each of them; the shapes differ in how the files are laid out.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, utimesSync, writeFileSync, chmodSync } from 'node:fs';
import path from 'node:path';

export const SHAPES_DIR = '/var/tmp/runnerguard-bench/shapes';
const BUILDS = 'home/gitlab-runner/builds';
const HOUR = 3600_000;

const payload = Buffer.alloc(2048, 'x');
/** 512 to 2047 bytes, varying with n (a source file). */
const body = (n) => payload.subarray(0, 512 + ((n * 37) % 1536));

function runnerRoot(root) {
  mkdirSync(`${root}/etc/gitlab-runner`, { recursive: true });
  writeFileSync(`${root}/etc/passwd`, 'root:x:0:0::/root:/bin/sh\ngitlab-runner:x:998:998::/home/gitlab-runner:/bin/sh\n');
  writeFileSync(`${root}/etc/group`, 'root:x:0:\ngitlab-runner:x:998:\n');
  writeFileSync(`${root}/etc/gitlab-runner/config.toml`, `[[runners]]\n  name = "bench"\n  executor = "shell"\n  builds_dir = "/${BUILDS}"\n`);
  chmodSync(`${root}/etc/gitlab-runner/config.toml`, 0o600);
}

/** A checkout at `job`: .git with HEAD and config (a credential file the scan reads), the given dirs. */
function checkout(job, dirs) {
  for (const d of [job, `${job}/.git`, ...dirs.map((d) => `${job}/${d}`)]) mkdirSync(d, { recursive: true });
  writeFileSync(`${job}/.git/HEAD`, 'ref: refs/heads/main\n');
  writeFileSync(`${job}/.git/config`, '[remote "origin"]\n\turl = https://gitlab.example.com/g/p.git\n');
}

/** Sets the checkout's git stamp and its dirs (given deepest first, `job` last) `hours` back, as an unused checkout looks. */
function age(dirs, hours) {
  const t = new Date(Date.now() - hours * HOUR);
  utimesSync(`${dirs.at(-1)}/.git/HEAD`, t, t);
  for (const d of dirs) utimesSync(d, t, t);
}

/**
 * name -> { about, files, gen(builds) }. `files` is what the tree holds
 * (about: for the printout). Sizes are picked so `du -sb` takes about a
 * second on a warm cache here.
 */
export const SHAPES = {
  heldout: {
    about: '200,000 files in 2,000 job dirs, builds/<token>/<n>/<group>/<project>/{src,src/lib,.git/objects}, half 96 h old',
    gen(builds) {
      for (let j = 0; j < 2000; j++) {
        const job = path.join(builds, `t0k${(j % 5).toString(36)}n`, String(j % 3), `group${j % 40}`, `project${j}`);
        const dirs = ['src', 'src/lib', '.git/objects'];
        checkout(job, dirs);
        for (let f = 2; f < 100; f++) writeFileSync(`${job}/${dirs[f % 3]}/f${f}`, body(f));
        if (j % 2 === 1) age([`${job}/src/lib`, `${job}/src`, `${job}/.git/objects`, `${job}/.git`, job], 96);
      }
    },
  },
  wide: {
    about: '200,000 files in 5 job dirs of 40,000 files in one dir each (dirs over 1 MB: streamed)',
    gen(builds) {
      for (let j = 0; j < 5; j++) {
        const job = `${builds}/tok/0/g/wide${j}`;
        checkout(job, ['out']);
        for (let f = 0; f < 40_000; f++) writeFileSync(`${job}/out/object-file-${f}.o`, body(f));
      }
    },
  },
  deep: {
    about: '200,000 files in 100 job dirs, each a chain of 200 nested dirs (5,200-byte paths), 10 files per level',
    gen(builds) {
      for (let j = 0; j < 100; j++) {
        const job = `${builds}/tok/0/g/deep${j}`;
        checkout(job, []);
        // Past PATH_MAX: made relative to the cwd, one level at a time.
        const cwd = process.cwd();
        process.chdir(job);
        for (let l = 0; l < 200; l++) {
          const d = `nested-directory-level${String(l).padStart(3, '0')}`;
          mkdirSync(d);
          process.chdir(d);
          for (let f = 0; f < 10; f++) writeFileSync(`f${f}`, body(l * 10 + f));
        }
        process.chdir(cwd);
      }
    },
  },
  'small-dirs': {
    about: '100,000 dirs of one file each, in 1,000 job dirs (100 dirs per job)',
    gen(builds) {
      for (let j = 0; j < 1000; j++) {
        const job = `${builds}/tok/${j % 4}/g${j % 25}/small${j}`;
        checkout(job, []);
        for (let k = 0; k < 100; k++) {
          mkdirSync(`${job}/m${k}`);
          writeFileSync(`${job}/m${k}/index.js`, body(k));
        }
      }
    },
  },
  'empty-files': {
    about: '300,000 empty files in 300 job dirs (node_modules-like: 10 dirs of 100 per job)',
    gen(builds) {
      for (let j = 0; j < 300; j++) {
        const job = `${builds}/tok/0/g${j % 10}/empty${j}`;
        checkout(job, []);
        for (let k = 0; k < 10; k++) {
          mkdirSync(`${job}/pkg${k}`);
          for (let f = 0; f < 100; f++) writeFileSync(`${job}/pkg${k}/e${f}`, '');
        }
      }
    },
  },
  old: {
    about: '100,000 files in 2,000 job dirs, all 96 h old (RG-BUILD-001 sizes the 100 oldest)',
    gen(builds) {
      for (let j = 0; j < 2000; j++) {
        const job = `${builds}/tok/${j % 4}/g${j % 20}/old${j}`;
        checkout(job, ['src']);
        for (let f = 2; f < 50; f++) writeFileSync(`${job}/src/f${f}`, body(f));
        age([`${job}/src`, `${job}/.git`, job], 96 + (j % 24));
      }
    },
  },
  fresh: {
    about: '100,000 files in 2,000 job dirs, all used in the last hour',
    gen(builds) {
      for (let j = 0; j < 2000; j++) {
        const job = `${builds}/tok/${j % 4}/g${j % 20}/fresh${j}`;
        checkout(job, ['src']);
        for (let f = 2; f < 50; f++) writeFileSync(`${job}/src/f${f}`, body(f));
      }
    },
  },
};

/** The root of shape `name`, generated when missing; returns { root, builds }. */
export function shapeRoot(name) {
  const root = path.join(SHAPES_DIR, name);
  const builds = path.join(root, BUILDS);
  const marker = path.join(root, '.generated-v1');
  if (!existsSync(marker)) {
    console.error(`bench: generating shape ${name}: ${SHAPES[name].about}`);
    execFileSync('rm', ['-rf', root]); // GNU rm: past PATH_MAX too
    runnerRoot(root);
    mkdirSync(builds, { recursive: true });
    SHAPES[name].gen(builds);
    writeFileSync(marker, '');
  }
  return { root, builds };
}
