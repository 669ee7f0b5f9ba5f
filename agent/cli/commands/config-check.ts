import { checkOptionSchemas } from '../../../checks/index.js';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../../config/load.js';
import { parse, UsageError } from '../args.js';

/** Validates the config; a ConfigError propagates to main (exit 2, file:line). */
export async function configCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { config: { type: 'string' } });
  if (positionals[0] !== 'check') throw new UsageError('usage: runnerguard config check [--config FILE]');
  const cfg = await loadConfig(values.config as string | undefined, checkOptionSchemas());
  const file = cfg.path ?? `${DEFAULT_CONFIG_PATH} (absent: defaults apply)`;
  process.stdout.write(`${file}: ok\n`);
  return 0;
}
