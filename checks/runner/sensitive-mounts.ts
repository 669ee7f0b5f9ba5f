import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import { gitlabConfigLines } from '../../agent/facts/gitlab-config-lines.js';
import { cisDocker, REF } from '../references.js';
import { noContainersReason } from './executors.js';
import { forEachRunner } from './runners.js';
import { hostMounts, isDockerSocket, mountEvidence, runsContainers } from './volumes.js';

const EXACT = new Set(['/', '/etc', '/root', '/home', '/var/lib/docker', '/proc', '/sys', '/dev', '/boot', '/run', '/var/run']);
// Container runtimes' and the kubelet's state (every pod's volumes, secrets and
// service account tokens on the node) and their API sockets, in whole or in part.
const RUNTIME = ['/var/lib/docker', '/var/lib/containers', '/var/lib/containerd', '/run/containerd', '/var/run/containerd', '/run/crio', '/var/run/crio', '/var/lib/kubelet', '/var/lib/etcd', '/var/log/pods'];
const BELOW = ['/etc/', '/root/', ...RUNTIME.map((d) => `${d}/`)];
for (const d of RUNTIME) EXACT.add(d);
// Directories that hold the Docker socket: mounting them hands jobs the socket too.
const HOLD_SOCKET = new Set(['/', '/run', '/var/run']);

/** checks.md's list, exact after normalization, plus anything below /etc or /root. */
export function isSensitive(host: string): boolean {
  return EXACT.has(host) || BELOW.some((p) => host.startsWith(p));
}

export default defineCheck({
  meta: {
    id: 'RG-RUN-015',
    title: 'No sensitive host paths mounted into jobs',
    severity: 'high',
    area: 'runner',
    rationale:
      "A job that sees /etc, /root, /home, /proc, /dev, a container runtime's state or socket (/var/lib/docker, /var/lib/containers, /run/containerd, CRI-O) or the kubelet's dirs reads host secrets, other pods' volumes and service account tokens and other projects' data, or writes its way to root through cron, sudoers, authorized_keys or the runtime's API; :ro still leaks every secret in them.",
    references: [REF.guideChecklistContainer, REF.glDockerExecutor, cisDocker('5.5', 'Ensure sensitive host system directories are not mounted on containers')],
    reads: ['runner config.toml: [runners.docker] volumes (bound into job and service containers), [[runners.kubernetes.volumes.host_path]] host_path / mount_path / sub_path'],
    remediation: { summary: 'Drop the volume; mount a dedicated directory (or a named volume) holding only what jobs need, read-only.' },
  },
  async run(ctx) {
    const lines = await ctx.facts.get(gitlabConfigLines);
    return forEachRunner(ctx, (r) => {
      if (!runsContainers(r)) return verdict.skip(r.subject, `${noContainersReason(r)}: nothing is mounted into job containers`);
      // A docker.sock mount is RG-RUN-004's finding, not this one's.
      const bad = hostMounts(r).filter((m) => !isDockerSocket(m.host) && isSensitive(m.host));
      if (bad.length === 0) return verdict.pass(r.subject, 'no sensitive host path is mounted into job containers');
      const paths = [...new Set(bad.map((b) => b.host))];
      const socket = paths.filter((p) => HOLD_SOCKET.has(p));
      return verdict.fail(
        r.subject,
        `sensitive host paths are mounted into jobs: ${paths.join(', ')}${socket.length ? ` (${socket.join(', ')} also ${socket.length === 1 ? 'hands' : 'hand'} jobs the Docker socket)` : ''}`,
        bad.map((b) => mountEvidence(lines, b)),
      );
    });
  },
});
