import { CATALOGUE, checkOptionSchemas } from '../../../checks/index.js';
import { REMEDIATIONS } from '../../../remediations/index.js';
import { DEFAULT_CONFIG_PATH, readConfigFile, validateConfig } from '../../config/load.js';
import { defaultConfig } from '../../config/schema.js';
import { locateKeys } from '../../config/toml-lines.js';
import { problemText } from '../../config/validate.js';
import { term } from '../../report/neutralize.js';
import { parse, UsageError } from '../args.js';
import { trustProblems, type TrustProblem } from '../trusted-paths.js';

const CREDENTIAL_KEYS = new Set(['token_file', 'ca_file', 'cert_file', 'key_file']);

/**
 * `file:line` of the key that named a refused path: `[report] token_file`
 * and friends, `[agent] state_dir` for the state dir and what it holds. The
 * file alone when the key is not in it (the default state dir).
 */
function whereNamed(file: string, lines: Map<string, number>, p: TrustProblem): string {
  const key = CREDENTIAL_KEYS.has(p.what) ? `report.${p.what}` : 'agent.state_dir';
  const line = lines.get(key);
  return line === undefined ? file : `${file}:${line}`;
}

/**
 * Every problem in one run. A config file that cannot be read, or that is
 * not root-controlled, is a ConfigError for main (exit 2). Otherwise each
 * problem of the file goes to stderr as `runnerguard: file:line: message`
 * (invalid TOML is one: the parser stops), including what the commands take
 * now and would refuse or ignore later (a waiver for no check in the
 * catalogue, a collector URL delivery refuses). Then the paths it names that
 * the commands would refuse (state dir and what it holds, the credential
 * files), one line each on stdout. Any problem: exit 2.
 */
export async function configCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { config: { type: 'string' } });
  if (positionals[0] !== 'check' || positionals.length > 1) throw new UsageError('usage: runnerguard config check [--config FILE]');
  const read = await readConfigFile(values.config as string | undefined);
  const file = read?.path ?? `${DEFAULT_CONFIG_PATH} (absent: defaults apply)`;
  const checked = read
    ? validateConfig(read.text, read.path, checkOptionSchemas(), REMEDIATIONS.map((r) => r.meta.id), { checkIds: CATALOGUE.map((c) => c.meta.id) })
    : { config: defaultConfig(), problems: [], more: 0 };
  for (const p of checked.problems) process.stderr.write(term`runnerguard: ${problemText(p)}\n`);
  if (checked.more > 0) process.stderr.write(term`runnerguard: ${file}: ${checked.more} more problem(s) not shown; fix these first\n`);
  const invalid = checked.problems.length + checked.more;
  // Judged on the config as it would be used: a setting with a problem counts as its default.
  const problems = await trustProblems(checked.config, { delivery: true });
  if (invalid === 0 && problems.length === 0) {
    process.stdout.write(term`${file}: ok\n`);
    return 0;
  }
  if (problems.length > 0) {
    const lead = invalid === 0 ? 'valid, but' : `${invalid} problem(s) (on stderr), and`;
    process.stdout.write(term`${file}: ${lead} ${problems.length} path(s) it names would be refused (run, deliver, fix, rollback and daemon exit 2):\n`);
    const lines = read ? locateKeys(read.text) : new Map<string, number>();
    for (const p of problems) process.stdout.write(term`  error: ${whereNamed(file, lines, p)}: ${p.what} ${p.path}: not trusted: ${p.reason}\n`);
    process.stdout.write('runnerguard uses these only when root owns them and every directory above them, and no other user can write them\n');
  } else {
    process.stdout.write(term`${file}: ${invalid} problem(s) (on stderr)\n`);
  }
  return 2;
}
