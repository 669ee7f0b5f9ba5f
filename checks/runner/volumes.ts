import { posix } from 'node:path';
import type { ConfigLines, KeyPath } from '../../agent/facts/gitlab-config-lines.js';
import type { RunnerEntry } from '../../agent/facts/gitlab.js';
import { containerTable } from './executors.js';
import { strList } from './runners.js';

/** A host path bind-mounted into job (and service) containers. */
export interface HostMount {
  /** The volume as config.toml spells it: the docker entry, or the host_path table's keys. */
  entry: string;
  /** The host side, normalized: no `.`/`..`, doubled or trailing slashes. */
  host: string;
  label: '[runners.docker] volumes' | '[[runners.kubernetes.volumes.host_path]]';
  /** Mounted read-only (`:ro`, `read_only = true`): no help for a socket, whose API is not a file write. */
  readOnly: boolean;
  /** Where the setting is, for file:line evidence. */
  key: KeyPath;
}

/** Docker's `-v` syntax as the runner hands it to Docker. */
export interface VolumeSpec {
  /** Host path or volume name; absent for an anonymous volume ("/cache": a container path only). */
  source?: string;
  container: string;
  options?: string;
  /** The source is a volume name, not a host path ("cache-vol:/cache"). */
  named?: boolean;
}

// The Windows counterpart of docker.sock: docker-windows jobs mount it as
// "\\.\pipe\docker_engine:\\.\pipe\docker_engine".
const PIPE = /^(\\\\\.\\pipe\\[^:]+):([^:]+)(?::([^:]*))?$/i;

export function parseVolume(raw: string): VolumeSpec | null {
  const entry = raw.trim();
  if (!entry) return null;
  const pipe = PIPE.exec(entry);
  if (pipe) return { source: pipe[1]!, container: pipe[2]!, options: pipe[3] };
  const parts = entry.split(':');
  if (parts.length === 1) return { container: entry };
  if (parts.length > 3 || parts[0] === '') return null;
  const [source, container, options] = parts as [string, string, string | undefined];
  return { source, container, options, named: !source.startsWith('/') };
}

export function normalizeHostPath(p: string): string {
  if (p.startsWith('\\\\')) return p;
  const n = posix.normalize(p.replace(/\/+/g, '/'));
  return n.length > 1 ? n.replace(/\/+$/, '') : n;
}

function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function dockerMounts(r: RunnerEntry): HostMount[] {
  const out: HostMount[] = [];
  for (const entry of strList(r.docker.volumes)) {
    const v = parseVolume(entry);
    if (!v?.source || v.named) continue;
    out.push({
      entry: `"${entry}"`,
      host: normalizeHostPath(v.source),
      label: '[runners.docker] volumes',
      readOnly: (v.options ?? '').split(',').includes('ro'),
      key: ['runners', r.index, 'docker', 'volumes'],
    });
  }
  return out;
}

/** Without host_path the runner mounts the host path equal to mount_path (its 9.3 syntax); sub_path narrows it. */
function kubernetesMounts(r: RunnerEntry): HostMount[] {
  const volumes = r.kubernetes.volumes;
  const list = isTable(volumes) && Array.isArray(volumes.host_path) ? volumes.host_path : [];
  const out: HostMount[] = [];
  list.forEach((hp, i) => {
    if (!isTable(hp)) return;
    const path = typeof hp.host_path === 'string' && hp.host_path ? hp.host_path : typeof hp.mount_path === 'string' ? hp.mount_path : '';
    if (!path.startsWith('/')) return;
    const sub = typeof hp.sub_path === 'string' && hp.sub_path ? hp.sub_path : '';
    const shown = ['name', 'host_path', 'mount_path', 'sub_path', 'read_only']
      .filter((k) => hp[k] !== undefined)
      .map((k) => `${k} = ${JSON.stringify(hp[k])}`);
    out.push({
      entry: shown.join(', '),
      host: normalizeHostPath(sub ? `${path}/${sub}` : path),
      label: '[[runners.kubernetes.volumes.host_path]]',
      readOnly: hp.read_only === true,
      key: ['runners', r.index, 'kubernetes', 'volumes', 'host_path', i],
    });
  });
  return out;
}

/**
 * Host paths bind-mounted into the runner's job containers: `volumes` of
 * [runners.docker] (the runner binds them into service containers too) or
 * kubernetes host_path volumes, whichever the executor uses. A lone path
 * ("/cache") and a named volume are not host mounts.
 */
export function hostMounts(r: RunnerEntry): HostMount[] {
  const table = containerTable(r);
  if (table === 'docker') return dockerMounts(r);
  if (table === 'kubernetes') return kubernetesMounts(r);
  return [];
}

/** "file:line: <label> <entry>" for a mount's evidence line. */
export function mountEvidence(lines: ConfigLines | null, m: HostMount): string {
  const where = lines ? `${lines.at(m.key)}: ` : '';
  return m.label.startsWith('[[') ? `${where}${m.label} ${m.entry}` : `${where}${m.label} entry ${m.entry}`;
}

/** A Docker API socket: /var/run/docker.sock, /run/docker.sock, any path ending docker.sock, or Windows' docker_engine pipe. */
export function isDockerSocket(host: string): boolean {
  return host.endsWith('docker.sock') || /^\\\\\.\\pipe\\docker_engine$/i.test(host);
}

/** Executors whose jobs run in containers the runner configures. */
export function runsContainers(r: RunnerEntry): boolean {
  return containerTable(r) !== null;
}
