// Bundles the agent into one file that runs on Node 18.20 (Debian 12's nodejs).
import { build } from 'esbuild';
import { readFileSync, chmodSync, mkdirSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const outfile = process.env.RUNNERGUARD_OUTFILE ?? 'dist/runnerguard.mjs';
mkdirSync('dist', { recursive: true });

await build({
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
  define: { __RUNNERGUARD_VERSION__: JSON.stringify(pkg.version) },
  banner: {
    // CJS dependencies bundled into ESM still call require() for Node built-ins.
    js: [
      '#!/usr/bin/env node',
      "import { createRequire as __rgCreateRequire } from 'node:module';",
      'const require = __rgCreateRequire(import.meta.url);',
    ].join('\n'),
  },
  logLevel: 'warning',
});
chmodSync(outfile, 0o755);
console.log(`built ${outfile} (runnerguard ${pkg.version})`);
