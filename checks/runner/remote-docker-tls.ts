import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import { cisDocker, REF } from '../references.js';
import { forEachRunner, str } from './runners.js';

const DOCKER = new Set(['docker', 'docker-windows', 'docker+machine', 'docker-autoscaler']);

export default defineCheck({
  meta: {
    id: 'RG-RUN-012',
    title: 'Remote Docker host uses TLS',
    severity: 'high',
    area: 'runner',
    rationale:
      'A Docker API over plain TCP is root on that host for anyone on the network path, and the runner sends job secrets over it.',
    references: [REF.glDockerExecutor, REF.lessonSocket, cisDocker('2.6', 'Ensure TLS authentication for Docker daemon is configured')],
    reads: ['runner config.toml: [runners.docker] host, tls_verify, tls_cert_path'],
    remediation: { summary: 'Use tcp:// only with tls_verify = true and tls_cert_path (client certificate), or a unix socket.' },
  },
  run: (ctx) =>
    forEachRunner(ctx, (r) => {
      if (!DOCKER.has(r.executor)) return verdict.skip(r.subject, `not a docker executor (executor "${r.executor || 'unset'}")`);
      const host = str(r.docker.host);
      if (!host || !/^tcp:\/\//i.test(host)) return verdict.pass(r.subject, host ? `Docker at ${host}` : 'local Docker socket');
      const problems: string[] = [];
      if (r.docker.tls_verify !== true) problems.push('tls_verify is not true');
      if (!str(r.docker.tls_cert_path)) problems.push('no tls_cert_path');
      const evidence = [`host = "${host}"`, `tls_verify = ${String(r.docker.tls_verify ?? '(unset)')}`, `tls_cert_path = ${str(r.docker.tls_cert_path) ?? '(unset)'}`];
      if (problems.length) return verdict.fail(r.subject, `remote Docker over TCP without TLS verification: ${problems.join(', ')}`, evidence);
      return verdict.pass(r.subject, `remote Docker over verified TLS`, evidence);
    }),
});
