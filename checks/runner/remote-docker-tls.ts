import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import { cisDocker, REF } from '../references.js';
import { configEvidence } from './config-evidence.js';
import { containerTable } from './executors.js';
import { forEachRunner, str } from './runners.js';

/** How a Docker host URL is reached: over the network (tcp://, http(s)://, a bare host:port), a local socket, or SSH. */
export function dockerHostKind(host: string): 'network' | 'local' | 'ssh' {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(host.trim())?.[1]?.toLowerCase();
  if (scheme === 'unix' || scheme === 'npipe') return 'local';
  if (scheme === 'ssh') return 'ssh';
  return 'network';
}

export default defineCheck({
  meta: {
    id: 'RG-RUN-012',
    title: 'Remote Docker host uses TLS',
    severity: 'high',
    area: 'runner',
    rationale:
      'The Docker API is root on the Docker host. Over plain TCP, or over TLS without a verified server and a client certificate, anyone on the network path can impersonate the daemon to read every job\'s variables, or talk to it directly to run privileged containers.',
    references: [REF.lessonSocket, REF.glDockerConfig, cisDocker('2.6', 'Ensure TLS authentication for Docker daemon is configured')],
    reads: ['runner config.toml: executor; [runners.docker] host, tls_verify, tls_cert_path'],
    remediation: {
      summary:
        'Reach a remote Docker host only with tls_verify = true and tls_cert_path pointing at a directory with ca.pem, cert.pem and key.pem (the daemon running with --tlsverify), or over ssh://; otherwise use the local unix socket.',
    },
  },
  async run(ctx) {
    const ev = await configEvidence(ctx);
    return forEachRunner(ctx, (r) => {
      if (containerTable(r) !== 'docker') return verdict.skip(r.subject, `not a docker executor (executor ${r.executor ? `"${r.executor}"` : 'unset'})`);
      const host = str(r.docker.host);
      if (!host) return verdict.pass(r.subject, 'no [runners.docker] host: the runner uses the local Docker socket', [ev.runner(r, 'docker', 'host')]);
      const kind = dockerHostKind(host);
      if (kind === 'local') return verdict.pass(r.subject, `Docker is reached through a local socket (${host})`, [ev.runner(r, 'docker', 'host')]);
      if (kind === 'ssh') return verdict.pass(r.subject, `Docker is reached over SSH (${host})`, [ev.runner(r, 'docker', 'host')]);
      const evidence = [ev.runner(r, 'docker', 'host'), ev.runner(r, 'docker', 'tls_verify'), ev.runner(r, 'docker', 'tls_cert_path')];
      const problems: string[] = [];
      if (r.docker.tls_verify !== true) problems.push(r.docker.tls_verify === undefined ? 'tls_verify is unset (off)' : 'tls_verify is off');
      if (!str(r.docker.tls_cert_path)) problems.push('no tls_cert_path (no client certificate)');
      if (problems.length > 0) {
        return verdict.fail(r.subject, `the Docker API at ${host} is used without verified TLS: ${problems.join(', ')}; whoever is on the path controls that Docker host and sees every job's secrets`, evidence);
      }
      return verdict.pass(r.subject, `the Docker API at ${host} is used over verified TLS with a client certificate`, evidence);
    });
  },
});
