import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import { cisDocker, REF } from '../references.js';
import { forEachRunner } from './runners.js';
import { hostMounts, isDockerSocket, runsContainers } from './volumes.js';

const EXACT = new Set(['/', '/etc', '/root', '/home', '/var/lib/docker', '/proc', '/sys', '/dev', '/boot', '/run', '/var/run']);
const BELOW = ['/etc/', '/root/'];

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
      'A job that sees /etc, /root, /home, /proc, /dev or Docker\'s data dir reads host secrets and other projects\' data, or writes its way to root (cron, sudoers, authorized_keys).',
    references: [REF.guideChecklistContainer, REF.glDockerExecutor, cisDocker('5.5', 'Ensure sensitive host system directories are not mounted on containers')],
    reads: ['runner config.toml: [runners.docker] volumes, services_volumes; [[runners.kubernetes.volumes.host_path]]'],
    remediation: { summary: 'Drop the volume; mount a dedicated directory (or a named volume) with only what the job needs, read-only.' },
  },
  run: (ctx) =>
    forEachRunner(ctx, (r) => {
      if (!runsContainers(r)) return verdict.skip(r.subject, `the ${r.executor || 'unset'} executor runs no job containers`);
      // Docker sockets under /run are RG-RUN-004's finding, not this one's.
      const bad = hostMounts(r).filter((m) => !isDockerSocket(m.host) && isSensitive(m.host));
      if (bad.length === 0) return verdict.pass(r.subject, 'no sensitive host path is mounted into job containers');
      return verdict.fail(r.subject, `sensitive host paths are mounted into jobs: ${bad.map((b) => b.host).join(', ')}`, bad.map((b) => `${b.where}: "${b.entry}"`));
    }),
});
