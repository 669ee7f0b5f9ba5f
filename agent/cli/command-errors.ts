import { closeSync, constants, existsSync, openSync } from 'node:fs';
import { ConfigError } from '../config/load.js';
import { TrustError } from '../host/trust.js';
import { errorText } from '../report/neutralize.js';
import { UsageError } from './args.js';

// Shared by both entry points (main.ts, the daemon's daemon/entry.ts).

/** Without /proc nothing can be reached safely: said at once, as a usage problem, not as a missing file later. */
export function requireProcFd(): void {
  const fd = openSync('/', constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    if (!existsSync(`/proc/self/fd/${fd}/.`)) throw new UsageError('/proc is not mounted: runnerguard reaches every file through /proc/self/fd (openat semantics, no link followed); mount proc (mount -t proc proc /proc) and run again');
  } finally {
    closeSync(fd);
  }
}

/** A command's failure as its exit code, said on stderr; never a stack trace. */
export async function commandError(err: unknown): Promise<number> {
  // A state, config or credential path that is not root-controlled: exit 2, the path and the reason.
  if (err instanceof UsageError || err instanceof ConfigError || err instanceof TrustError) {
    // Messages may hold paths and names a job chose (HostError: "<path>: permission denied").
    process.stderr.write(`runnerguard: ${errorText(err)}\n`);
    if (err instanceof UsageError) process.stderr.write('see: runnerguard --help\n');
    return 2;
  }
  // The logger (pino) only now: loading it costs every start-up about 12 ms.
  const { createLogger } = await import('../log.js');
  const log = createLogger();
  log.error({ err }, 'internal error');
  process.stderr.write(`runnerguard: internal error: ${errorText(err)}\n`);
  return 3;
}
