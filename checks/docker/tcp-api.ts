import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import { dockerdBool, dockerdFlag, dockerdInputErrors, dockerFacts, DAEMON_JSON } from '../../agent/facts/docker.js';
import { cisDocker, REF } from '../references.js';

export default defineCheck({
  meta: {
    id: 'RG-DOCKER-003',
    title: 'Docker API not on TCP without TLS',
    severity: 'critical',
    area: 'docker',
    rationale:
      'A Docker API on TCP without client-certificate verification is root for anyone who can connect: other hosts, and every job container or shell job on this one (127.0.0.1 included).',
    references: [REF.lessonSocket, cisDocker('2.6', 'Ensure TLS authentication for Docker daemon is configured')],
    reads: [`${DAEMON_JSON}: hosts, tlsverify`, 'docker.service ExecStart (+ drop-ins): -H/--host, --tlsverify', '/etc/default/docker DOCKER_OPTS'],
    remediation: { summary: 'Remove tcp:// hosts, or set tlsverify with tlscacert/tlscert/tlskey so only clients with a certificate connect.' },
  },
  async run(ctx) {
    const d = await ctx.facts.get(dockerFacts);
    if (!d.installed) return [verdict.skip('dockerd', 'Docker is not installed (no dockerd binary, docker.service or /etc/docker)')];
    const problems = dockerdInputErrors(d);
    if (problems.length) return problems.map((p) => verdict.error(p.path, `${p.message}; cannot tell where the Docker API listens`));
    const hosts: Array<{ source: string; value: string }> = [];
    const fromJson = d.daemon?.hosts;
    for (const h of Array.isArray(fromJson) ? fromJson : []) if (typeof h === 'string') hosts.push({ source: `${DAEMON_JSON} hosts`, value: h });
    hosts.push(...dockerdFlag(d, '--host', '-H'));
    const tcp = hosts.filter((h) => /^tcp:\/\//i.test(h.value));
    if (tcp.length === 0) {
      return [verdict.pass('dockerd', hosts.length ? `API on ${hosts.map((h) => h.value).join(', ')} only` : 'API on the default unix socket only', hosts.map((h) => `${h.source}: ${h.value}`))];
    }
    // A flag wins over daemon.json (dockerd refuses to start when both set it); the last flag wins.
    const flag = dockerdBool(d, '--tlsverify');
    const tlsverify = flag ? flag.value : d.daemon?.tlsverify === true;
    const evidence = [
      ...tcp.map((h) => `${h.source}: ${h.value}`),
      flag ? `${flag.source}: ${flag.arg}` : `${DAEMON_JSON}: "tlsverify": ${JSON.stringify(d.daemon?.tlsverify) ?? '(not set)'}`,
    ];
    if (tlsverify) return [verdict.pass('dockerd', `TCP API with client certificate verification (tlsverify)`, evidence)];
    const tlsOnly = dockerdBool(d, '--tls')?.value === true || d.daemon?.tls === true;
    return [
      verdict.fail(
        'dockerd',
        `the Docker API listens on ${tcp.map((h) => h.value).join(', ')} without tlsverify${tlsOnly ? ' (tls alone encrypts but accepts any client)' : ''}: anyone who connects is root`,
        evidence,
      ),
    ];
  },
});
