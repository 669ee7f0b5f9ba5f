// Entry of runnerguard-daemon.mjs, what `/usr/bin/runnerguard daemon` runs:
// the daemon alone (parent.ts), a fraction of the full program's size, so
// the process that stays resident for weeks holds none of the audit. Each
// cycle runs in a child of the full program next to this file.
import { fileURLToPath } from 'node:url';
import { USAGE, UsageError } from '../cli/args.js';
import { commandError, requireProcFd } from '../cli/command-errors.js';
import type { CatalogueFacts } from './catalogue-facts.js';
import { runDaemon } from './parent.js';

// Written in by scripts/build.mjs: the catalogue's ids and option schemas, and the full program's file name.
declare const __RUNNERGUARD_CATALOGUE_FACTS__: string;
declare const __RUNNERGUARD_MAIN_FILE__: string;

async function daemonMain([cmd, ...rest]: string[]): Promise<number> {
  try {
    if (cmd !== 'daemon') throw new UsageError(`this file runs only "runnerguard daemon" (got "${cmd ?? ''}"); the other commands are in ${__RUNNERGUARD_MAIN_FILE__}`);
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(USAGE);
      return 0;
    }
    requireProcFd();
    const cycleScript = fileURLToPath(new URL(`./${__RUNNERGUARD_MAIN_FILE__}`, import.meta.url));
    return await runDaemon(rest, { facts: JSON.parse(__RUNNERGUARD_CATALOGUE_FACTS__) as CatalogueFacts, cycleScript });
  } catch (err) {
    return await commandError(err);
  }
}

daemonMain(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  async (err: unknown) => {
    process.exitCode = await commandError(err);
  },
);
