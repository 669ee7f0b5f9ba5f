import type { RunnerEntry } from '../../agent/facts/gitlab.js';

/** The config table that shapes a runner's job containers. */
export type ContainerTable = 'docker' | 'kubernetes';

// Each of these runs jobs outside any container the runner configures, so
// container settings in config.toml do not apply to them.
const NO_CONTAINERS: Record<string, string> = {
  shell: 'runs jobs directly on the host',
  ssh: 'runs jobs over SSH on another machine',
  parallels: 'runs jobs in Parallels VMs',
  virtualbox: 'runs jobs in VirtualBox VMs',
  custom: 'runs jobs through its own driver scripts',
  instance: 'runs jobs directly on autoscaled instances',
};

/**
 * [runners.docker] for every docker flavour (docker, docker-windows,
 * docker+machine, docker-autoscaler, the old docker-ssh*), [runners.kubernetes]
 * for kubernetes; null when the executor runs no containers or is unknown.
 */
export function containerTable(r: RunnerEntry): ContainerTable | null {
  if (r.executor === 'kubernetes') return 'kubernetes';
  if (r.executor.startsWith('docker')) return 'docker';
  return null;
}

/** Why a runner has no job containers to judge, for its skip finding. */
export function noContainersReason(r: RunnerEntry): string {
  if (r.executor === '') return 'executor is unset: the runner cannot take jobs';
  const what = NO_CONTAINERS[r.executor];
  return what ? `the ${r.executor} executor ${what}, in no container` : `unknown executor "${r.executor}": no container settings to judge`;
}

/**
 * Why the runner is ephemeral (one job per VM), or undefined. Mirrors
 * runners.ts isEphemeral(), and says which setting made it so.
 */
export function ephemeralReason(r: RunnerEntry): string | undefined {
  if (r.executor === 'docker+machine' && r.machine.MaxBuilds === 1) return 'docker+machine with [runners.machine] MaxBuilds = 1 runs one job per VM';
  if ((r.executor === 'docker-autoscaler' || r.executor === 'instance') && r.autoscaler.max_use_count === 1) {
    return `${r.executor} with [runners.autoscaler] max_use_count = 1 runs one job per VM`;
  }
  return undefined;
}
