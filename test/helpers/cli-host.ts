// What the `runnerguard fix`/`rollback` CLI tests share: the built bundle, an
// empty fixture root for the test to fill, and a root-owned state dir whose
// config.toml points state_dir below it.
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildBundle } from './cli.js';
import { FixtureTree } from './fixture-tree.js';

export interface CliHost {
  bundle: string;
  t: FixtureTree;
  /** A temp dir holding config.toml; state_dir is `state`/state. */
  state: string;
  cfg: string;
}

export async function makeCliHost(statePrefix = 'rg-cli-state-'): Promise<CliHost> {
  const bundle = buildBundle();
  const t = await FixtureTree.create();
  const state = await fsp.mkdtemp(path.join(os.tmpdir(), statePrefix));
  const cfg = path.join(state, 'config.toml');
  await fsp.writeFile(cfg, `[agent]\nstate_dir = "${state}/state"\n`, { mode: 0o600 });
  return { bundle, t, state, cfg };
}

/** Removes what makeCliHost made (whatever of it was made). */
export async function removeCliHost(host: Partial<CliHost>): Promise<void> {
  await host.t?.remove();
  if (host.state) await fsp.rm(host.state, { recursive: true, force: true });
  if (host.bundle) await fsp.rm(path.dirname(host.bundle), { recursive: true, force: true });
}
