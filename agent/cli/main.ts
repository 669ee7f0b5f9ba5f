import { USAGE, UsageError } from './args.js';
import { commandError, requireProcFd } from './command-errors.js';
import { quickAnswer } from './quick.js';
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

/** Returns the exit code; never lets a stack trace reach the user. */
export async function main(argv: string[]): Promise<number> {
  const quick = quickAnswer(argv);
  if (quick !== null) return quick;
  const [cmd, ...rest] = argv as [string, ...string[]];
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
    return await commandError(err);
  }
}
