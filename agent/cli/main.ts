import { ConfigError } from '../config/load.js';
import { createLogger } from '../log.js';
import { VERSION } from '../version.js';
import { USAGE, UsageError } from './args.js';
import { auditCommand } from './commands/audit.js';
import { checksCommand, explainCommand } from './commands/catalogue.js';
import { configCommand } from './commands/config-check.js';
import { fixCommand, rollbackCommand } from './commands/fix.js';
import { daemonCommand } from './commands/daemon.js';
import { deliverCommand, runCycle } from './commands/run.js';

type Command = (argv: string[]) => number | Promise<number>;

const COMMANDS: Record<string, Command> = {
  audit: auditCommand,
  checks: checksCommand,
  explain: explainCommand,
  config: configCommand,
  run: runCycle,
  deliver: deliverCommand,
  fix: fixCommand,
  rollback: rollbackCommand,
  daemon: daemonCommand,
};

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
  const run = COMMANDS[cmd];
  try {
    if (!run) throw new UsageError(`unknown command "${cmd}"`);
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(USAGE);
      return 0;
    }
    return await run(rest);
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) {
      process.stderr.write(`runnerguard: ${err.message}\n`);
      if (err instanceof UsageError) process.stderr.write('see: runnerguard --help\n');
      return 2;
    }
    const log = createLogger();
    log.error({ err }, 'internal error');
    process.stderr.write(`runnerguard: internal error: ${(err as Error)?.message ?? String(err)}\n`);
    return 3;
  }
}
