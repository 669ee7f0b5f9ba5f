import { createLogger } from '../log.js';
import { CHILD_FLAG, type CycleRequest } from './cycle-child.js';

/**
 * The child side of cycle-child.ts: one cycle with the config the daemon
 * sent. The daemon alone decides when it stops. Part of the full program
 * only: the daemon's own bundle never holds it (nor what it loads).
 */
export async function runCycleChild(): Promise<number> {
  for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(s, () => {});
  if (!process.send) throw new Error(`${CHILD_FLAG} is internal to runnerguard daemon`);
  const req = await new Promise<CycleRequest>((resolve) => process.once('message', (m) => resolve(m as CycleRequest)));
  // The channel must not keep this process alive after the cycle. Not disconnect():
  // on Node 18 that throws inside the message dispatch (kPendingMessages of a null channel).
  process.channel?.unref();
  const [{ CATALOGUE }, { selectChecks }, { cycle }] = await Promise.all([import('../../checks/index.js'), import('../cli/select.js'), import('../cli/commands/run.js')]);
  const checks = selectChecks(CATALOGUE, req.only, req.skip);
  return cycle({ config: req.config, checks, root: req.root, log: createLogger() });
}
