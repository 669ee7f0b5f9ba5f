import type { CheckContext } from '../../agent/engine/types.js';
import { dockerdBool, dockerFacts } from '../../agent/facts/docker.js';
import { jenkinsAgentsFact } from '../../agent/facts/jenkins.js';
import { githubFacts } from '../../agent/facts/github.js';
import { gitlabFacts } from '../../agent/facts/gitlab.js';
import { jobUserOf } from '../github/actions-runners.js';
import { str } from '../runner/runners.js';

export interface UserTarget {
  subject: string;
  name: string;
  uid?: number;
  gid?: number;
  groups: number[];
  /** Where the account came from ("gitlab-runner.service User=", ...). */
  why: string[];
  error?: string;
}

/** A container network jobs use: the packet enters the host's FORWARD path on `iif`. */
export interface Bridge {
  iif: string;
  saddr: string;
  label: string;
}

export interface EgressTargets {
  runnerFound: boolean;
  users: UserTarget[];
  /** Null when no job runs in a container on this host. */
  containers: { bridges: Bridge[]; why: string[] } | null;
  /** Docker manages iptables rules at start (not `"iptables": false`). */
  dockerIptables: boolean;
}

const NO_CUSTOM_NETWORK = new Set(['', 'bridge', 'default', 'host', 'none']);

/** The first usable address of "a.b.c.d/len" (a container's address in that network). */
function hostIn(cidr: unknown, fallback: string): string {
  const m = typeof cidr === 'string' ? /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/\d+$/.exec(cidr) : null;
  return m ? `${m[1]}.${m[2]}.${m[3]}.${Number(m[4]) + 2}` : fallback;
}

/**
 * Whose traffic the egress checks judge: the runner's accounts (GitLab job
 * user and service user, each Actions runner's User=) and, when jobs run in
 * containers here, the Docker networks they use.
 */
export async function egressTargets(ctx: CheckContext): Promise<EgressTargets> {
  const [gitlab, github, jenkins, docker, users] = await Promise.all([ctx.facts.get(gitlabFacts), ctx.facts.get(githubFacts), ctx.facts.get(jenkinsAgentsFact), ctx.facts.get(dockerFacts), ctx.host.users()]);
  const names = new Map<string, string[]>();
  const add = (name: string, why: string) => names.set(name, [...(names.get(name) ?? []), why]);
  const unitName = gitlab?.unit?.name ?? 'gitlab-runner';
  if (gitlab) {
    add(gitlab.jobUser, gitlab.userArg && gitlab.jobUser === gitlab.userArg ? `${unitName}: --user ${gitlab.userArg} (job user)` : `${unitName}: User=${gitlab.serviceUser} (service and job user)`);
    if (gitlab.serviceUser !== gitlab.jobUser && gitlab.serviceUser !== 'root') add(gitlab.serviceUser, `${unitName}: User=${gitlab.serviceUser}`);
  }
  const unknown: UserTarget[] = [];
  for (const r of github) {
    const ju = jobUserOf(r);
    if (ju) add(ju.user, `${r.unit?.name ?? r.dir}: ${ju.from}`);
    // Not judged as root's traffic: whose it is is not known.
    else unknown.push({ subject: r.subject, name: '', groups: [], why: [`${r.dir}: no unit, no running Runner.Listener`], error: `the user of the Actions runner at ${r.dir} could not be told (no unit, no running Runner.Listener, and its dir and .runner do not share an owner): its egress cannot be judged` });
  }
  for (const a of jenkins) add(a.user, `${a.subject}: runs as ${a.user}`);
  const targets: UserTarget[] = [...names].map(([name, why]) => {
    const u = users.user(name);
    const t: UserTarget = { subject: `user:${name}`, name, groups: [], why };
    if (u) Object.assign(t, { uid: u.uid, gid: u.gid, groups: users.groupsOf(u.name).map((g) => g.gid) });
    else if (/^\d+$/.test(name)) Object.assign(t, { uid: Number(name), gid: Number(name) });
    else t.error = `runner user ${name} is not in the target's /etc/passwd: owner-match rules cannot be judged for it`;
    return t;
  });
  targets.push(...unknown);

  const runners = gitlab?.config.ok ? gitlab.config.runners : [];
  const localDocker = runners.filter((r) => (r.executor === 'docker' || r.executor === 'docker-windows') && !/^(tcp|ssh|npipe):/.test(str(r.docker.host) ?? ''));
  const why: string[] = [];
  if (localDocker.length) why.push(`docker executor: ${localDocker.map((r) => r.subject).join(', ')}`);
  if (docker.installed && (gitlab || github.length)) why.push('Docker engine installed on the runner host');
  const daemon = docker.daemon ?? {};
  const bridges: Bridge[] = [{ iif: 'docker0', saddr: hostIn(daemon.bip, '172.17.0.2'), label: 'the default bridge (docker0)' }];
  const perJob = runners.filter((r) => {
    const ff = r.featureFlags.FF_NETWORK_PER_BUILD === true || r.environment.some((e) => /^FF_NETWORK_PER_BUILD=(true|1)$/i.test(e));
    return ff || !NO_CUSTOM_NETWORK.has(str(r.docker.network_mode) ?? '');
  });
  if (perJob.length || github.length) {
    const pools = Array.isArray(daemon['default-address-pools']) ? (daemon['default-address-pools'] as Array<Record<string, unknown>>) : [];
    const reason = perJob.length ? `per-build/custom networks of ${perJob.map((r) => r.subject).join(', ')}` : 'Actions container jobs (a network per job)';
    bridges.push({ iif: 'br-0123456789ab', saddr: hostIn(pools[0]?.base, '172.18.0.2'), label: `user-defined networks (br-*): ${reason}` });
  }
  const iptables = dockerdBool(docker, '--iptables')?.value ?? daemon.iptables !== false;
  return {
    runnerFound: gitlab !== null || github.length > 0 || jenkins.length > 0,
    users: targets,
    containers: why.length ? { bridges, why } : null,
    dockerIptables: iptables,
  };
}
