import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import { cisDocker, REF } from '../references.js';
import { forEachRunner } from './runners.js';
import { hostMounts, isDockerSocket, runsContainers } from './volumes.js';

export default defineCheck({
  meta: {
    id: 'RG-RUN-004',
    title: 'Docker socket not mounted into jobs',
    severity: 'critical',
    area: 'runner',
    rationale:
      'The Docker socket is root on the host: a job that can reach it starts a privileged container with / mounted. Mounting it read-only changes nothing, since the API is spoken over the socket, not written to the file.',
    references: [REF.lessonSocket, REF.glDockerExecutor, REF.guideDind, cisDocker('5.31', 'Ensure that the Docker socket is not mounted inside any containers')],
    reads: ['runner config.toml: [runners.docker] volumes, services_volumes; [[runners.kubernetes.volumes.host_path]]'],
    remediation: {
      summary: 'Remove the docker.sock volume; build images with Kaniko/buildah, or DinD with TLS on a dedicated ephemeral runner.',
      automated: 'RG-RUN-004',
    },
  },
  run: (ctx) =>
    forEachRunner(ctx, (r) => {
      if (!runsContainers(r)) return verdict.skip(r.subject, `the ${r.executor || 'unset'} executor runs no job containers`);
      const sockets = hostMounts(r).filter((m) => isDockerSocket(m.host));
      if (sockets.length === 0) return verdict.pass(r.subject, 'no Docker socket is mounted into job containers');
      return verdict.fail(
        r.subject,
        `the host Docker socket is mounted into jobs (${sockets.map((s) => s.host).join(', ')}): every job is root on the host, :ro does not help`,
        sockets.map((s) => `${s.where}: "${s.entry}"`),
      );
    }),
});
