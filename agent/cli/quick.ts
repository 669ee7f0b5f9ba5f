import { VERSION } from '../version.js';
import { USAGE } from './args.js';

/**
 * `--version` and `--help` (and no command at all): answered from this
 * module alone, before anything else of the program is loaded (entry.ts),
 * so start-up stays what it is however large the catalogue grows. Returns
 * the exit code, or null for a command.
 */
export function quickAnswer(argv: readonly string[]): number | null {
  const cmd = argv[0];
  if (cmd === '--version' || cmd === '-V' || cmd === 'version') {
    process.stdout.write(`runnerguard ${VERSION}\n`);
    return 0;
  }
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    (cmd === undefined ? process.stderr : process.stdout).write(USAGE);
    return cmd === undefined ? 2 : 0;
  }
  return null;
}
