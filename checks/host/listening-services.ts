import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import type { FindingDraft } from '../../agent/engine/types.js';
import { isLoopback } from '../runner/listeners.js';
import { REF } from '../references.js';
import { runnerUsers } from '../runner-users.js';
import { MAX_ROWS, parseProcNet, socketOwners, type Listening, type SocketOwner } from './proc-sockets.js';

/** Executables allowed to listen by default: sshd, the runner itself, DHCP clients. */
export const DEFAULT_ALLOW = ['/usr/sbin/sshd', '/usr/bin/gitlab-runner', '/usr/local/bin/gitlab-runner', '/usr/lib/gitlab-runner/gitlab-runner', '/usr/sbin/dhclient', '/sbin/dhclient', '/usr/lib/systemd/systemd-networkd', '/lib/systemd/systemd-networkd'];

const where = (l: Listening) => `${l.proto}/${l.address.includes(':') ? `[${l.address}]` : l.address}:${l.port}`;
const who = (o: SocketOwner) => `pid ${o.pid} ${JSON.stringify(o.comm)} exe ${o.exe} uid ${o.uid}`;

export default defineCheck({
  meta: {
    id: 'RG-HOST-004',
    title: 'No unexpected services listen on the network',
    severity: 'medium',
    area: 'host',
    rationale:
      "Every service reachable from the network is attack surface next to the jobs, and a service a job started (a reverse shell, a miner's control port, a debug server left running) is a way in from outside. On a runner host only sshd and the runner itself need to listen beyond loopback; anything else should be known and allowed by name.",
    references: [REF.guideChecklistHost, REF.glSecureHost, 'https://man7.org/linux/man-pages/man5/proc_pid_net.5.html'],
    reads: ['/proc/net/tcp, tcp6, udp, udp6 (sockets bound beyond loopback)', '/proc/<pid>/fd, comm, exe, status (which process holds each)', '[checks.RG-HOST-004] allow (executables or proto/port)'],
    remediation: {
      summary:
        'Stop and disable services this host does not need; bind the ones it needs to 127.0.0.1; kill listeners a job left behind and find the job. Allow the rest by executable or port in [checks.RG-HOST-004] allow = ["/usr/sbin/nginx", "tcp/9252"].',
    },
    options: { allow: 'string[]' },
  },
  async run(ctx) {
    const { fs } = ctx.host;
    // An offline root has no live sockets, unless a /proc of the target is there to read (a recorded one).
    if (!ctx.host.live && !(await fs.exists('/proc/net/tcp'))) return [verdict.skip('listening-services', 'offline audit: the target has no /proc/net, so no live sockets to look at')];
    const tables: Array<[string, 'tcp' | 'udp']> = [['tcp', 'tcp'], ['tcp6', 'tcp'], ['udp', 'udp'], ['udp6', 'udp']];
    const listening: Listening[] = [];
    for (const [file, proto] of tables) {
      const text = await fs.readText(`/proc/net/${file}`, { maxBytes: 200 * MAX_ROWS }).catch(() => null);
      if (text === null) return [verdict.error('listening-services', `/proc/net/${file} could not be read: listening sockets unknown`)];
      listening.push(...parseProcNet(text, proto));
    }
    const exposed = listening.filter((l) => !isLoopback(l.address));
    if (exposed.length === 0) return [verdict.pass('listening-services', 'nothing listens beyond loopback')];
    const extra = Array.isArray(ctx.options.allow) ? (ctx.options.allow as string[]) : [];
    const allowExe = new Set([...DEFAULT_ALLOW, ...extra.filter((a) => a.startsWith('/'))]);
    const allowPort = new Set(extra.filter((a) => /^(tcp|udp)\/\d+$/.test(a)));
    const users = await ctx.host.users();
    // By uid: the kernel knows a process's uid, and two names may share one.
    const jobUids = new Map<number, string>();
    for (const u of await runnerUsers(ctx)) {
      const uid = users.user(u.name)?.uid;
      if (uid !== undefined) jobUids.set(uid, `${u.name} (${u.role})`);
    }
    const { owners, truncated } = socketOwners(await fs.hostPath('/proc'), new Set(exposed.map((l) => l.inode)));
    const findings: FindingDraft[] = [];
    const allowed: string[] = [];
    const seen = new Set<string>();
    for (const l of exposed) {
      const key = `${where(l)} ${l.inode}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const procs = owners.get(l.inode) ?? [];
      const subject = `listen:${where(l)}`;
      const evidence = procs.length ? procs.map(who) : [`socket inode ${l.inode}: no process of this PID namespace holds it (a kernel service, or one in another container)`];
      // A runner user's listener is a job's, whatever the executable: never allowed by name.
      const byJob = procs.find((o) => jobUids.has(o.uid));
      if (byJob) {
        findings.push(verdict.fail(subject, `${jobUids.get(byJob.uid)} listens on ${where(l)}: a service a job started, reachable from the network`, evidence));
        continue;
      }
      if (allowPort.has(`${l.proto}/${l.port}`) || (procs.length > 0 && procs.every((o) => allowExe.has(o.exe) && o.uid === 0))) {
        allowed.push(`${where(l)}: ${procs.map(who).join(', ') || 'allowed by port'}`);
        continue;
      }
      findings.push(verdict.warn(subject, `${procs.length ? procs.map((o) => JSON.stringify(o.comm)).join(', ') : 'an unknown process'} listens on ${where(l)}, which is not in the allow-list: stop it, bind it to loopback, or allow it`, evidence));
    }
    if (truncated) findings.push(verdict.warn('listening-services', 'more open file descriptors than runnerguard looks at: some listeners may show no process'));
    if (findings.length === 0) return [verdict.pass('listening-services', `only allowed services listen beyond loopback (${allowed.length})`, allowed)];
    return findings;
  },
});
