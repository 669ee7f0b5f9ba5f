import { catalogueFacts } from '../../daemon/catalogue-facts.js';
import { CHILD_FLAG } from '../../daemon/cycle-child.js';
import { runCycleChild } from '../../daemon/cycle-run.js';
import { runDaemon } from '../../daemon/parent.js';

/**
 * `runnerguard daemon` run from the full program: the daemon (agent/daemon/
 * parent.ts, the same code as runnerguard-daemon.mjs, which the packaged
 * /usr/bin/runnerguard starts instead), or one of its cycle children.
 */
export async function daemonCommand(argv: string[]): Promise<number> {
  if (argv[0] === CHILD_FLAG) return runCycleChild();
  return runDaemon(argv, { facts: catalogueFacts(), cycleScript: process.argv[1]! });
}
