import { COMMON, idList, parse, UsageError } from '../cli/args.js';
import { checkSelection } from '../cli/select.js';
import { requireTrusted } from '../cli/trusted-paths.js';
import { loadConfig } from '../config/load.js';
import { createLogger } from '../log.js';
import type { CatalogueFacts } from './catalogue-facts.js';
import { Daemon } from './daemon.js';

export interface ParentOptions {
  /** Check ids and option schemas the command line and the config are judged by. */
  facts: CatalogueFacts;
  /** The full program each cycle runs in (the daemon itself may be the small runnerguard-daemon.mjs). */
  cycleScript: string;
}

/**
 * `runnerguard daemon`: stays up and runs the `run` cycle on `[agent]
 * schedule`, each cycle in a child running `cycleScript`. SIGHUP reloads the
 * config, SIGTERM/SIGINT stop it (exit 0). A bad config at start is exit 2,
 * like every other command. Loads nothing of the audit itself: this is the
 * whole of runnerguard-daemon.mjs, the process that stays resident.
 */
export async function runDaemon(argv: string[], opts: ParentOptions): Promise<number> {
  const { values, positionals } = parse(argv, { ...COMMON });
  if (positionals.length > 0) throw new UsageError(`daemon takes no arguments (got "${positionals[0]}")`);
  const only = idList(values.only);
  const skip = idList(values.skip);
  checkSelection(opts.facts.checkIds, only, skip); // an unknown id is a usage error now, not in every cycle
  const file = values.config as string | undefined;
  // The state dir and the credentials are judged now (exit 2) and at each SIGHUP (refused: the old config stays).
  const load = async () => {
    const c = await loadConfig(file, opts.facts.optionSchemas, opts.facts.remediationIds);
    await requireTrusted(c, { delivery: Boolean(c.report.url) });
    return c;
  };
  const config = await load();
  const log = createLogger();
  const daemon = new Daemon({ config, reload: load, only, skip, root: values.root as string | undefined, log, cycleScript: opts.cycleScript });
  const onHup = () => void daemon.reload();
  const onStop = (signal: NodeJS.Signals) => void daemon.stop(signal);
  process.on('SIGHUP', onHup);
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
  daemon.start();
  const code = await daemon.done;
  // Nothing left behind (a killed child's pipes, a timer) may keep a stopped daemon alive.
  process.exit(code);
}
