/**
 * `--version` and `--help` answer before the program loads anything else
 * (agent/cli/quick.ts, entry.ts; scripts/build.mjs turns imports of Node's
 * built-in modules into requires made on first use): start-up stays what it
 * is however large the catalogue grows. Seen from inside the process: the
 * built-in modules Node loaded, as process.moduleLoadList lists them at exit.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle, runCli } from '../helpers/cli.js';

let bundle: string;
let hook: string;
beforeAll(() => {
  bundle = buildBundle();
  hook = path.join(mkdtempSync(path.join(os.tmpdir(), 'rg-startup-')), 'modules.cjs');
  writeFileSync(hook, "process.on('exit', () => process.stderr.write('\\nMODULES ' + JSON.stringify(process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13))) + '\\n'));\n");
});
afterAll(() => {
  rmSync(path.dirname(bundle), { recursive: true, force: true });
  rmSync(path.dirname(hook), { recursive: true, force: true });
});

/** What the audit's code needs and a bare node start never loads. */
const AUDIT_MODULES = ['child_process', 'http', 'https', 'zlib', 'worker_threads', 'dns', 'tls'];

async function loaded(args: string[]): Promise<{ out: string; code: number; modules: string[] }> {
  const r = await runCli(bundle, args, { env: { NODE_OPTIONS: `--require ${hook}` } });
  const m = /\nMODULES (\[.*\])\n/.exec(r.stderr);
  expect(m, r.stderr).not.toBeNull();
  return { out: r.stdout, code: r.code, modules: JSON.parse(m![1]!) as string[] };
}

describe('start-up', () => {
  it('--version and --help load none of the modules the commands need', async () => {
    for (const args of [['--version'], ['-V'], ['--help']]) {
      const r = await loaded(args);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(args[0] === '--help' ? /^usage: runnerguard <command>/ : /^runnerguard \d+\.\d+\.\d+/);
      expect(r.modules.filter((m) => AUDIT_MODULES.includes(m)), args.join(' ')).toEqual([]);
    }
  });

  it('a command loads them (the probe sees what it should)', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'rg-startup-root-'));
    try {
      const r = await loaded(['audit', '--root', root, '--only', 'RG-BUILD-001', '--format', 'json']);
      expect(r.out).toContain('"RG-BUILD-001"');
      expect(r.modules).toContain('child_process');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
