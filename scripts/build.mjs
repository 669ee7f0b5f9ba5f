// Bundles the agent into one file that runs on Node 18.20 (Debian 12's nodejs).
import { build } from 'esbuild';
import { readFileSync, chmodSync, mkdirSync, writeFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const outfile = process.env.RUNNERGUARD_OUTFILE ?? 'dist/runnerguard.mjs';
// scripts/package.mjs builds a bumped version for the upgrade test.
const version = process.env.RUNNERGUARD_VERSION ?? pkg.version;
mkdirSync('dist', { recursive: true });

const result = await build({
  entryPoints: ['agent/cli/entry.ts'],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node18.20',
  minify: false,
  sourcemap: false,
  legalComments: 'none',
  // Only ever required on macOS, inside a try/catch.
  external: ['osx-temperature-sensor'],
  define: { __RUNNERGUARD_VERSION__: JSON.stringify(version) },
  // The packages' copyright file lists what the bundle holds.
  metafile: Boolean(process.env.RUNNERGUARD_METAFILE),
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
});
chmodSync(outfile, 0o755);
if (process.env.RUNNERGUARD_METAFILE) writeFileSync(process.env.RUNNERGUARD_METAFILE, JSON.stringify(result.metafile));
console.log(`built ${outfile} (runnerguard ${version})`);
