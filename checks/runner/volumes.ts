import type { RunnerEntry } from '../../agent/facts/gitlab.js';
import { strList } from './runners.js';

export interface HostMount {
  /** The config entry as written. */
  entry: string;
  /** Host side, normalized (no trailing slash). */
  host: string;
  where: string;
}

function normalize(p: string): string {
  const n = p.replace(/\/+/g, '/');
  return n.length > 1 ? n.replace(/\/+$/, '') : n;
}

/**
 * Host paths bind-mounted into job or service containers: docker `volumes`
 * entries `host:container[:mode]` (a single path is an anonymous volume, not a
 * host mount) and kubernetes host_path volumes.
 */
export function hostMounts(r: RunnerEntry): HostMount[] {
  const out: HostMount[] = [];
  for (const key of ['volumes', 'services_volumes'] as const) {
    for (const v of strList(r.docker[key])) {
      const parts = v.split(':');
      if (parts.length >= 2 && parts[0]!.startsWith('/')) out.push({ entry: v, host: normalize(parts[0]!), where: `[runners.docker] ${key}` });
    }
  }
  const k8sVolumes = r.kubernetes.volumes;
  const hostPaths = k8sVolumes && typeof k8sVolumes === 'object' ? (k8sVolumes as Record<string, unknown>).host_path : undefined;
  if (Array.isArray(hostPaths)) {
    for (const hp of hostPaths) {
      const p = hp && typeof hp === 'object' ? (hp as Record<string, unknown>).host_path : undefined;
      if (typeof p === 'string') out.push({ entry: `host_path = "${p}"`, host: normalize(p), where: '[[runners.kubernetes.volumes.host_path]]' });
    }
  }
  return out;
}

export function isDockerSocket(hostPath: string): boolean {
  return hostPath.endsWith('docker.sock');
}

export const CONTAINER_EXECUTORS = new Set(['docker', 'docker-windows', 'docker+machine', 'docker-autoscaler', 'kubernetes']);

/** Executors whose jobs run in containers the runner configures. */
export function runsContainers(r: RunnerEntry): boolean {
  return CONTAINER_EXECUTORS.has(r.executor);
}
