import { CATALOGUE } from '../../../checks/index.js';
import { CHILD_FLAG, runCycleChild } from '../../daemon/cycle-child.js';
import { Daemon } from '../../daemon/daemon.js';
import { createLogger } from '../../log.js';
import { COMMON, idList, parse, UsageError } from '../args.js';
import { loadAgentConfig } from '../config.js';
import { requireTrusted } from '../trusted-paths.js';
import { selectChecks } from '../select.js';

/**
 * `runnerguard daemon`: stays up and runs the `run` cycle on `[agent]
 * schedule`. SIGHUP reloads the config, SIGTERM/SIGINT stop it (exit 0).
 * A bad config at start is exit 2, like every other command.
 */
export async function daemonCommand(argv: string[]): Promise<number> {
  if (argv[0] === CHILD_FLAG) return runCycleChild();
  const { values, positionals } = parse(argv, { ...COMMON });
  if (positionals.length > 0) throw new UsageError(`daemon takes no arguments (got "${positionals[0]}")`);
  const only = idList(values.only);
  const skip = idList(values.skip);
  selectChecks(CATALOGUE, only, skip); // an unknown id is a usage error now, not in every cycle
  const file = values.config as string | undefined;
  // The state dir and the credentials are judged now (exit 2) and at each SIGHUP (refused: the old config stays).
  const load = async () => {
    const c = await loadAgentConfig(file);
    await requireTrusted(c, { delivery: Boolean(c.report.url) });
    return c;
  };
  const config = await load();
  const log = createLogger();
  const daemon = new Daemon({ config, reload: load, only, skip, root: values.root as string | undefined, log });
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
