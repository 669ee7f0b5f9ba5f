import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import { dockerdBool, dockerdFlag, dockerdInputErrors, dockerFacts, DAEMON_JSON, type DockerFacts } from '../../agent/facts/docker.js';
import { runningDockerdFact, type RunningDockerd } from '../../agent/facts/dockerd-live.js';
import type { FindingDraft } from '../../agent/engine/types.js';
import { cisDocker, REF } from '../references.js';

/** dockerd's own TCP listeners that are not the API: swarm (2377 manager, 7946 gossip) and metrics-addr. */
function notApi(port: number, metrics: string | undefined): boolean {
  return port === 2377 || port === 7946 || (metrics !== undefined && metrics.endsWith(`:${port}`));
}

/**
 * A running root dockerd as it really is: the -H it was started with (and
 * daemon.json's hosts, read at its start) and the TCP sockets it holds in
 * LISTEN, in its own network namespace. Either without tlsverify fails.
 */
function judgeRunning(d: DockerFacts, r: RunningDockerd): FindingDraft {
  const subject = `dockerd:pid:${r.pid}`;
  const own: DockerFacts = { ...d, args: [{ source: `/proc/${r.pid}/cmdline`, argv: r.argv }] };
  const hosts = [...(Array.isArray(d.daemon?.hosts) ? (d.daemon.hosts as unknown[]) : []).filter((h): h is string => typeof h === 'string').map((value) => ({ source: `${DAEMON_JSON} hosts`, value })), ...dockerdFlag(own, '--host', '-H')];
  const metrics = dockerdFlag(own, '--metrics-addr').at(-1)?.value ?? (typeof d.daemon?.['metrics-addr'] === 'string' ? (d.daemon['metrics-addr'] as string) : undefined);
  const listens = r.listens.filter((l) => !notApi(l.port, metrics));
  const tcp = hosts.filter((h) => /^tcp:\/\//i.test(h.value));
  const shown = (l: { addr: string; port: number }) => (l.addr.includes(':') ? `[${l.addr}]:${l.port}` : `${l.addr}:${l.port}`);
  const evidence = [`/proc/${r.pid}/cmdline: ${r.argv.join(' ')}`, ...tcp.map((h) => `${h.source}: ${h.value}`), ...r.listens.map((l) => `pid ${r.pid} listens on ${shown(l)} (/proc/${r.pid}/net/${l.proto})`)];
  if (r.error) return verdict.error(subject, `${r.error}; cannot tell where the running dockerd listens`, evidence);
  if (tcp.length === 0 && listens.length === 0) return verdict.pass(subject, `the running dockerd listens on no TCP port${hosts.length ? ` (${hosts.map((h) => h.value).join(', ')})` : ''}`, evidence);
  const flag = dockerdBool(own, '--tlsverify');
  const tlsverify = flag ? flag.value : d.daemon?.tlsverify === true;
  evidence.push(flag ? `${flag.source}: ${flag.arg}` : `${DAEMON_JSON}: "tlsverify": ${JSON.stringify(d.daemon?.tlsverify) ?? '(not set)'}`);
  const where = [...new Set([...tcp.map((h) => h.value), ...listens.map((l) => `tcp://${shown(l)}`)])].join(', ');
  if (tlsverify) return verdict.pass(subject, `the running dockerd serves TCP (${where}) with client certificate verification`, evidence);
  return verdict.fail(subject, `the running dockerd (pid ${r.pid}) serves its API on ${where} without tlsverify: anyone who connects is root`, evidence);
}

export default defineCheck({
  meta: {
    id: 'RG-DOCKER-003',
    title: 'Docker API not on TCP without TLS',
    severity: 'critical',
    area: 'docker',
    rationale:
      'A Docker API on TCP without client-certificate verification is root for anyone who can connect: other hosts, and every job container or shell job on this one (127.0.0.1 included).',
    references: [REF.lessonSocket, cisDocker('2.6', 'Ensure TLS authentication for Docker daemon is configured')],
    reads: [`${DAEMON_JSON}: hosts, tlsverify`, 'docker.service ExecStart (+ drop-ins): -H/--host, --tlsverify', '/etc/default/docker DOCKER_OPTS', 'live: each root dockerd\'s /proc/PID/cmdline, and its TCP LISTEN sockets (/proc/PID/net/tcp{,6} matched to the inodes of /proc/PID/fd)'],
    remediation: { summary: 'Remove tcp:// hosts, or set tlsverify with tlscacert/tlscert/tlskey so only clients with a certificate connect.' },
  },
  async run(ctx) {
    const [d, running] = await Promise.all([ctx.facts.get(dockerFacts), ctx.facts.get(runningDockerdFact)]);
    const live = running.map((r) => judgeRunning(d, r));
    return [...(await judgeFiles(d, running.length > 0)), ...live];
  },
});

async function judgeFiles(d: DockerFacts, running: boolean): Promise<FindingDraft[]> {
  if (!d.installed && !running) return [verdict.skip('dockerd', 'Docker is not installed (no dockerd binary, docker.service or /etc/docker)')];
  if (!d.installed) return [];
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
}
