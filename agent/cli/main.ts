import { closeSync, constants, existsSync, openSync } from 'node:fs';
import { ConfigError } from '../config/load.js';
import { TrustError } from '../host/trust.js';
import { createLogger } from '../log.js';
import { errorText } from '../report/neutralize.js';
import { VERSION } from '../version.js';
import { USAGE, UsageError } from './args.js';
type Command = (argv: string[]) => number | Promise<number>;

/**
 * Each command's module is loaded when it runs (esbuild keeps them in the one
 * bundle, initialised lazily): the idle daemon never evaluates the checks'
 * dependencies, the report formats or the delivery code it leaves to its
 * cycle children.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  audit: async () => (await import('./commands/audit.js')).auditCommand,
  checks: async () => (await import('./commands/catalogue.js')).checksCommand,
  explain: async () => (await import('./commands/catalogue.js')).explainCommand,
  config: async () => (await import('./commands/config-check.js')).configCommand,
  run: async () => (await import('./commands/run.js')).runCycle,
  deliver: async () => (await import('./commands/run.js')).deliverCommand,
  fix: async () => (await import('./commands/fix.js')).fixCommand,
  rollback: async () => (await import('./commands/fix.js')).rollbackCommand,
  daemon: async () => (await import('./commands/daemon.js')).daemonCommand,
};

/** Commands that read or change files: they reach them through /proc/self/fd (openat semantics). */
const NEEDS_PROC = new Set(['audit', 'run', 'deliver', 'fix', 'rollback', 'daemon']);

/** Without /proc nothing can be reached safely: said at once, as a usage problem, not as a missing file later. */
function requireProcFd(): void {
  const fd = openSync('/', constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    if (!existsSync(`/proc/self/fd/${fd}/.`)) throw new UsageError('/proc is not mounted: runnerguard reaches every file through /proc/self/fd (openat semantics, no link followed); mount proc (mount -t proc proc /proc) and run again');
  } finally {
    closeSync(fd);
  }
}

/** Returns the exit code; never lets a stack trace reach the user. */
export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === '--version' || cmd === '-V' || cmd === 'version') {
    process.stdout.write(`runnerguard ${VERSION}\n`);
    return 0;
  }
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    (cmd === undefined ? process.stderr : process.stdout).write(USAGE);
    return cmd === undefined ? 2 : 0;
  }
  const load = COMMANDS[cmd];
  try {
    if (!load) throw new UsageError(`unknown command "${cmd}"`);
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(USAGE);
      return 0;
    }
    if (NEEDS_PROC.has(cmd)) requireProcFd();
    return await (await load())(rest);
  } catch (err) {
    // A state, config or credential path that is not root-controlled: exit 2, the path and the reason.
    if (err instanceof UsageError || err instanceof ConfigError || err instanceof TrustError) {
      // Messages may hold paths and names a job chose (HostError: "<path>: permission denied").
      process.stderr.write(`runnerguard: ${errorText(err)}\n`);
      if (err instanceof UsageError) process.stderr.write('see: runnerguard --help\n');
      return 2;
    }
    const log = createLogger();
    log.error({ err }, 'internal error');
    process.stderr.write(`runnerguard: internal error: ${errorText(err)}\n`);
    return 3;
  }
}
