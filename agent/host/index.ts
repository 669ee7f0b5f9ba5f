import path from 'node:path';
import { HostError } from './errors.js';
import { runCommand } from './exec.js';
import { liveIdentity, offlineIdentity } from './identity.js';
import { TreeFs } from './tree-fs.js';
import type { ExecOptions, ExecResult, Host, HostIdentity } from './types.js';
import { loadUserDb, type UserDb } from './users.js';

export * from './types.js';
export * from './errors.js';
export { UserDb } from './users.js';
export type { User, Group } from './users.js';

function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= fn());
}

export interface HostOptions {
  /** Target root; "/" (or undefined) means the live host. */
  root?: string;
}

/**
 * The live host reads "/" and may run read-only commands; an offline root
 * reads only files under it and runs nothing that inspects this kernel.
 */
export function createHost(opts: HostOptions = {}): Host {
  const root = path.resolve(opts.root ?? '/');
  const live = root === '/';
  const fs = new TreeFs(root);
  const users = once(() => loadUserDb(fs));
  const identity = once(() => (live ? liveIdentity(fs) : offlineIdentity(fs)));
  return {
    root,
    live,
    fs,
    users: (): Promise<UserDb> => users(),
    identity: (): Promise<HostIdentity> => identity(),
    exec: async (argv: string[], o: ExecOptions): Promise<ExecResult> => {
      if (!live) throw new HostError('EOFFLINE', root, `${argv[0]}: commands are not run against an offline root`);
      return runCommand(argv, o);
    },
  };
}
