import { DEFAULT_CONFIG_PATH } from '../../config/load.js';
import { term } from '../../report/neutralize.js';
import { parse, UsageError } from '../args.js';
import { loadAgentConfig } from '../config.js';

/** Validates the config; a ConfigError propagates to main (exit 2, file:line). */
export async function configCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { config: { type: 'string' } });
  if (positionals[0] !== 'check') throw new UsageError('usage: runnerguard config check [--config FILE]');
  const cfg = await loadAgentConfig(values.config as string | undefined);
  const file = cfg.path ?? `${DEFAULT_CONFIG_PATH} (absent: defaults apply)`;
  process.stdout.write(term`${file}: ok\n`);
  return 0;
}
