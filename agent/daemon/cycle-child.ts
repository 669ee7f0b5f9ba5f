import { fork, type ChildProcess } from 'node:child_process';
import type { AgentConfig } from '../config/schema.js';

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
 * is `script`, the full program (runnerguard.mjs; the daemon itself may be the
 * small runnerguard-daemon.mjs), running the same cycle as `runnerguard run`
 * (cycle-run.ts).
 */
export function spawnCycle(req: CycleRequest, script: string): { child: ChildProcess; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const child = fork(script, ['daemon', CHILD_FLAG], {
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
