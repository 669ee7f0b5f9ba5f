import type { ExecOptions, ExecResult } from './types.js';

const DEFAULT_MAX_BUFFER = 16 * 1024 * 1024;

/**
 * Runs one command from an argv array. Never throws: a missing binary, a
 * timeout or a crash comes back as `failure` so the calling check can report
 * an `error` finding and the audit goes on.
 */
export async function runCommand(argv: string[], opts: ExecOptions): Promise<ExecResult> {
  const [file, ...args] = argv;
  if (!file) return { argv, exitCode: null, stdout: '', stderr: '', failure: 'spawn-error', message: 'empty argv' };
  // Loaded on the first command: the idle daemon, which runs none, never holds execa (bench/daemon.mjs).
  const { execa } = await import('execa');
  // Own process group, killed as a whole: a hung command's children would
  // otherwise keep the pipes open and the call would wait for them.
  const child = execa(file, args, {
    detached: true,
    input: opts.input,
    stdin: opts.input === undefined ? 'ignore' : undefined,
    maxBuffer: opts.maxBuffer ?? DEFAULT_MAX_BUFFER,
    reject: false,
    stripFinalNewline: false,
    env: { LC_ALL: 'C' }, // stable, parseable output
    encoding: 'utf8',
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  }, opts.timeoutMs);
  const r = await child.finally(() => clearTimeout(timer));
  const base = { argv, exitCode: r.exitCode ?? null, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
  const cmd = argv.join(' ');
  if (timedOut) return { ...base, failure: 'timeout', message: `${cmd}: timed out after ${opts.timeoutMs} ms` };
  if ((r as { isMaxBuffer?: boolean }).isMaxBuffer) {
    return { ...base, failure: 'output-too-large', message: `${cmd}: output larger than the capture limit` };
  }
  const code = (r.cause as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return { ...base, failure: 'not-found', message: `${file}: command not found` };
  if (r.failed && r.exitCode === undefined) {
    if (r.signal) return { ...base, failure: 'killed', message: `${cmd}: killed by ${r.signal}` };
    return { ...base, failure: 'spawn-error', message: `${cmd}: ${r.shortMessage}` };
  }
  return base;
}
