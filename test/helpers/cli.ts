import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Bundles the current source into a temp file, exactly as `npm run build` does. */
export function buildBundle(): string {
  const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'rg-bundle-')), 'runnerguard.mjs');
  execFileSync(process.execPath, ['scripts/build.mjs'], { env: { ...process.env, RUNNERGUARD_OUTFILE: out }, stdio: 'ignore' });
  return out;
}

/** Runs the built CLI; `prefix` wraps it (e.g. setpriv to drop root). */
export function runCli(bundle: string, args: string[], opts: { env?: NodeJS.ProcessEnv; prefix?: string[]; timeoutMs?: number } = {}): Promise<CliResult> {
  const argv = [...(opts.prefix ?? []), process.execPath, bundle, ...args];
  return new Promise((resolve) => {
    execFile(
      argv[0]!,
      argv.slice(1),
      { env: { PATH: process.env.PATH, ...opts.env }, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
