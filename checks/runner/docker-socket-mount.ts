import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import { gitlabConfigLines } from '../../agent/facts/gitlab-config-lines.js';
import { cisDocker, REF } from '../references.js';
import { noContainersReason } from './executors.js';
import { forEachRunner } from './runners.js';
import { hostMounts, isDockerSocket, mountEvidence, runsContainers } from './volumes.js';

export default defineCheck({
  meta: {
    id: 'RG-RUN-004',
    title: 'Docker socket not mounted into jobs',
    severity: 'critical',
    area: 'runner',
    rationale:
      'The Docker socket is root on the host: a job that reaches it starts a privileged container with / mounted and owns the host, the runner token and every other project on it. Mounting it read-only changes nothing: the API is spoken over the socket, not written to the file.',
    references: [REF.lessonSocket, REF.glDockerExecutor, REF.guideChecklistContainer, cisDocker('5.31', 'Ensure that the Docker socket is not mounted inside any containers')],
    reads: ['runner config.toml: [runners.docker] volumes (bound into job and service containers), [[runners.kubernetes.volumes.host_path]] host_path / mount_path / sub_path'],
    remediation: {
      summary: 'Remove the docker.sock volume; build images with Kaniko or buildah, or with DinD over TLS on a dedicated ephemeral runner.',
      automated: 'RG-RUN-004',
    },
  },
  async run(ctx) {
    const lines = await ctx.facts.get(gitlabConfigLines);
    return forEachRunner(ctx, (r) => {
      if (!runsContainers(r)) return verdict.skip(r.subject, `${noContainersReason(r)}: nothing is mounted into job containers`);
      const sockets = hostMounts(r).filter((m) => isDockerSocket(m.host));
      if (sockets.length === 0) return verdict.pass(r.subject, 'no Docker socket is mounted into job containers');
      const into = r.executor === 'kubernetes' ? 'job pods' : 'job and service containers';
      return verdict.fail(
        r.subject,
        `the host Docker socket is mounted into ${into} (${[...new Set(sockets.map((s) => s.host))].join(', ')}): every job is root on the host${sockets.some((s) => s.readOnly) ? '; read-only does not protect a socket' : ''}`,
        sockets.map((s) => mountEvidence(lines, s)),
      );
    });
  },
});
