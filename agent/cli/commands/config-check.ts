import { DEFAULT_CONFIG_PATH } from '../../config/load.js';
import { term } from '../../report/neutralize.js';
import { parse, UsageError } from '../args.js';
import { loadAgentConfig } from '../config.js';
import { trustProblems } from '../trusted-paths.js';

/**
 * Validates the config; a ConfigError propagates to main (exit 2, file:line),
 * and so does a config file that is not root-controlled. Then the paths it
 * names that the commands would refuse (state dir and what it holds, the
 * credential files): one line each with the path and the reason, exit 2.
 */
export async function configCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { config: { type: 'string' } });
  if (positionals[0] !== 'check') throw new UsageError('usage: runnerguard config check [--config FILE]');
  const cfg = await loadAgentConfig(values.config as string | undefined);
  const file = cfg.path ?? `${DEFAULT_CONFIG_PATH} (absent: defaults apply)`;
  const problems = await trustProblems(cfg, { delivery: true });
  if (problems.length === 0) {
    process.stdout.write(term`${file}: ok\n`);
    return 0;
  }
  process.stdout.write(term`${file}: valid, but ${problems.length} path(s) it names would be refused (run, deliver, fix, rollback and daemon exit 2):\n`);
  for (const p of problems) process.stdout.write(term`  error: ${p.what} ${p.path}: not trusted: ${p.reason}\n`);
  process.stdout.write('runnerguard uses these only when root owns them and every directory above them, and no other user can write them\n');
  return 2;
}
