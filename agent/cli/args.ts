import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A usage error: exit code 2, the message on stderr, no stack. */
export class UsageError extends Error {
  override name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;

export const COMMON: Options = {
  root: { type: 'string' },
  config: { type: 'string' },
  only: { type: 'string', multiple: true },
  skip: { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
};

export function parse(argv: string[], options: Options): { values: Record<string, unknown>; positionals: string[] } {
  try {
    const r = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: r.values as Record<string, unknown>, positionals: r.positionals };
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]);
  }
}

/** `--only A,B --only C` -> [A, B, C]. */
export function idList(v: unknown): string[] | undefined {
  if (v === undefined) return undefined;
  const list = (Array.isArray(v) ? v : [v]).flatMap((s) => String(s).split(',')).map((s) => s.trim()).filter(Boolean);
  return list;
}

export const USAGE = `usage: runnerguard <command> [options]

commands:
  audit              one-shot audit of this host (or --root DIR); changes nothing
  checks             list the catalogue
  explain ID         rationale, what is inspected, remediation, references
  config check       validate the config file, and that root alone controls the paths it names
  run                one scheduled cycle: audit, save, metrics, deliver (spooling)
  deliver            send the spooled reports now; --retry-rejected first moves spool/rejected/ back
  fix [ID...]        plan the remediations for failing findings; --apply (with the ids named) applies them
  rollback [RUN-ID]  undo a remediation run from its journal (the latest by default)
  daemon             stay up and do run on [agent] schedule (cron); SIGHUP reloads the config

options (audit):
  --root DIR         audit an offline root (image, chroot, fixture) instead of this host
  --config FILE      config file (default /etc/runnerguard/config.toml; missing = defaults)
  --only ID[,ID]     run only these checks
  --skip ID[,ID]     skip these checks
  --format FMT       text | json | sarif | junit | prometheus | markdown | ocsf (default text)
  --output FILE      write the report to FILE (atomically) instead of stdout
  --fail-on SEV      exit 1 when a finding of this severity or above fails (default low)
  --verbose          text format: list pass and skip findings too

exit codes: 0 nothing failed at or above --fail-on, 1 something did,
            2 usage or configuration error, 3 internal error
`;
