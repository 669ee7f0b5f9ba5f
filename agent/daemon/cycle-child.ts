import { fork, type ChildProcess } from 'node:child_process';
import type { AgentConfig } from '../config/schema.js';
import { createLogger } from '../log.js';

/** What the daemon hands a cycle: the config it validated (not the file as it is now). */
export interface CycleRequest {
  config: AgentConfig;
  only?: string[];
  skip?: string[];
  root?: string;
}

export const CHILD_FLAG = '--cycle-child';

/**
 * Each cycle runs in a child process: the audit's heap goes back to the OS
 * when it exits (the daemon itself stays at its idle size for weeks), and an
 * abandoned cycle can be killed without leaving state in the daemon. The child
 * is this same program, running the same cycle as `runnerguard run`.
 */
export function spawnCycle(req: CycleRequest): { child: ChildProcess; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const child = fork(process.argv[1]!, ['daemon', CHILD_FLAG], {
    // The audit wants the optimizing compiler the idle daemon goes without (/usr/bin/runnerguard).
    execArgv: process.execArgv.filter((a) => a !== '--lite-mode' && a !== '--expose-gc'),
    serialization: 'json',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('error', () => resolve({ code: null, signal: null }));
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  child.send(req);
  return { child, exited };
}

/** The child side: one cycle with the config the daemon sent. The daemon alone decides when it stops. */
export async function runCycleChild(): Promise<number> {
  for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(s, () => {});
  if (!process.send) throw new Error(`${CHILD_FLAG} is internal to runnerguard daemon`);
  const req = await new Promise<CycleRequest>((resolve) => process.once('message', (m) => resolve(m as CycleRequest)));
  // The channel must not keep this process alive after the cycle. Not disconnect():
  // on Node 18 that throws inside the message dispatch (kPendingMessages of a null channel).
  process.channel?.unref();
  // Loaded here, in the child: the daemon itself never holds the audit's code.
  const [{ CATALOGUE }, { selectChecks }, { cycle }] = await Promise.all([import('../../checks/index.js'), import('../cli/select.js'), import('../cli/commands/run.js')]);
  const checks = selectChecks(CATALOGUE, req.only, req.skip);
  return cycle({ config: req.config, checks, root: req.root, log: createLogger() });
}
