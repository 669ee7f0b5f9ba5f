// Bundles the agent into two files that run on Node 18.20 (Debian 12's nodejs):
// runnerguard.mjs, the whole program, and next to it runnerguard-daemon.mjs,
// the daemon alone (agent/daemon/entry.ts): the resident process holds none
// of the audit, and forks runnerguard.mjs for each cycle.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readFileSync, chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const outfile = process.env.RUNNERGUARD_OUTFILE ?? 'dist/runnerguard.mjs';
const daemonFile = path.join(path.dirname(outfile), 'runnerguard-daemon.mjs');
// scripts/package.mjs builds a bumped version for the upgrade test.
const version = process.env.RUNNERGUARD_VERSION ?? pkg.version;
mkdirSync(path.dirname(outfile), { recursive: true });

/**
 * `import ... from 'node:x'` of a built-in module, turned into a require()
 * made when the importing module is first initialised: an ES import of a
 * built-in loads it (and what it needs: http, tls, zlib, streams, ...) before
 * any code runs, so `--version` would pay for everything the audit uses.
 * Named imports become property reads of the module at their use.
 */
const BUILTINS = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    b.onResolve({ filter: /^[a-z0-9_:/]+$/ }, (args) => (args.kind === 'import-statement' && BUILTINS.has(args.path) ? { path: args.path, namespace: 'rg-builtin' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'rg-builtin' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
  },
};

const common = {
  plugins: [lazyBuiltins],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node18.20',
  minify: false,
  sourcemap: false,
  legalComments: 'none',
  // Only ever required on macOS, inside a try/catch.
  external: ['osx-temperature-sensor'],
  // The packages' copyright file lists what the bundles hold.
  metafile: true,
  banner: {
    // CJS dependencies bundled into ESM still call require() for Node built-ins.
    js: [
      '#!/usr/bin/env node',
      "import { createRequire as __rgCreateRequire } from 'node:module';",
      'const require = __rgCreateRequire(import.meta.url);',
      // node-cron resolves a (never used) background-task file from __dirname at load time.
      "import { fileURLToPath as __rgFileURLToPath } from 'node:url';",
      'const __filename = __rgFileURLToPath(import.meta.url);',
      "const __dirname = __rgFileURLToPath(new URL('.', import.meta.url));",
    ].join('\n'),
  },
  logLevel: 'warning',
};

// The build scan's worker thread (agent/facts/scan-worker.ts): its own small script, held in the bundle
// as a string and started with `eval`, so a worker loads that alone (one file still ships).
const scanWorker = await build({ entryPoints: ['agent/facts/scan-worker.ts'], bundle: true, platform: 'node', format: 'cjs', target: common.target, minify: false, legalComments: 'none', write: false, metafile: true, logLevel: 'warning' });
const main = await build({
  ...common,
  entryPoints: ['agent/cli/entry.ts'],
  outfile,
  // esbuild: only the source (tests) builds the worker itself; the bundle holds it.
  external: [...common.external, 'esbuild'],
  define: { __RUNNERGUARD_VERSION__: JSON.stringify(version), __RUNNERGUARD_SCAN_WORKER__: JSON.stringify(scanWorker.outputFiles[0].text) },
});
chmodSync(outfile, 0o755);

/** The catalogue's ids and option schemas, from the source (agent/daemon/catalogue-facts.ts), for the daemon to judge its config by. */
async function catalogueFacts() {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'rg-build-'));
  try {
    const script = path.join(tmp, 'facts.mjs');
    await build({
      ...common,
      metafile: false,
      stdin: { contents: "import { catalogueFacts } from './agent/daemon/catalogue-facts.ts'; process.stdout.write(JSON.stringify(catalogueFacts()));", resolveDir: process.cwd(), loader: 'ts' },
      outfile: script,
    });
    return JSON.parse(execFileSync(process.execPath, [script], { encoding: 'utf8' }));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const daemon = await build({
  ...common,
  entryPoints: ['agent/daemon/entry.ts'],
  outfile: daemonFile,
  define: {
    __RUNNERGUARD_VERSION__: JSON.stringify(version),
    // A string (JSON.parse'd at start): an object literal here would become a module of its own.
    __RUNNERGUARD_CATALOGUE_FACTS__: JSON.stringify(JSON.stringify(await catalogueFacts())),
    __RUNNERGUARD_MAIN_FILE__: JSON.stringify(path.basename(outfile)),
  },
});
chmodSync(daemonFile, 0o755);
for (const f of [outfile, daemonFile]) {
  // One character past Latin-1 and V8 keeps the whole source as UTF-16 (twice the memory, slower to load).
  const wide = /[^\x00-\xff]/.exec(readFileSync(f, 'utf8'));
  if (wide) console.warn(`warning: ${f} holds U+${wide[0].codePointAt(0).toString(16).padStart(4, '0')} (escape it in the source as \\u....: esbuild leaves tagged templates and regexps as written)`);
}
if (process.env.RUNNERGUARD_METAFILE) {
  // One metafile for both: every input either bundle holds.
  const inputs = { ...main.metafile.inputs, ...scanWorker.metafile.inputs, ...daemon.metafile.inputs };
  writeFileSync(process.env.RUNNERGUARD_METAFILE, JSON.stringify({ inputs, outputs: { ...main.metafile.outputs, ...daemon.metafile.outputs } }));
}
console.log(`built ${outfile} and ${daemonFile} (runnerguard ${version})`);
