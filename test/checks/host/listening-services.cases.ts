import { symlink } from 'node:fs/promises';
import check from '../../../checks/host/listening-services.js';
import { defineCases } from '../../helpers/check-cases.js';
import type { FixtureTree } from '../../helpers/fixture-tree.js';
import { runner, runnerHost } from '../runner/fixture.js';

// /proc/net tables as the kernel wrote them in a test namespace (listening-live.test.ts
// runs the same listeners for real): 127.0.0.1:9000, 192.0.2.10:8080 and 0.0.0.0:4444 (tcp), 0.0.0.0:5353 (udp).
const TCP_HEAD = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode                                                     \n';
const row = (n: number, local: string, st: string, uid: number, inode: number) =>
  `   ${n}: ${local} 00000000:0000 ${st} 00000000:00000000 00:00000000 00000000 ${String(uid).padStart(5)}        0 ${inode} 1 0000000069e8a580 100 0 0 10 0                   \n`;
const TCP6_HEAD = '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
const UDP_HEAD = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops            \n';

/** A recorded /proc: the net tables, and per process its fd links, exe, comm and status. */
async function proc(t: FixtureTree, tcp: string[], udp: string[], procs: Array<{ pid: number; comm: string; exe: string; uid: number; inodes: number[] }>): Promise<void> {
  await t.file('/proc/net/tcp', TCP_HEAD + tcp.join(''));
  await t.file('/proc/net/tcp6', TCP6_HEAD);
  await t.file('/proc/net/udp', UDP_HEAD + udp.join(''));
  await t.file('/proc/net/udp6', UDP_HEAD);
  for (const p of procs) {
    await t.file(`/proc/${p.pid}/comm`, `${p.comm}\n`);
    await t.file(`/proc/${p.pid}/status`, `Name:\t${p.comm}\nUid:\t${p.uid}\t${p.uid}\t${p.uid}\t${p.uid}\n`);
    await symlink(p.exe, t.p(`/proc/${p.pid}/exe`));
    await t.dir(`/proc/${p.pid}/fd`);
    for (const [i, inode] of p.inodes.entries()) await symlink(`socket:[${inode}]`, t.p(`/proc/${p.pid}/fd/${i + 3}`));
  }
}

const SSHD = { pid: 612, comm: 'sshd', exe: '/usr/sbin/sshd', uid: 0, inodes: [5001] };

export default defineCases({
  check,
  passing: [
    {
      name: 'sshd (root, /usr/sbin/sshd) on 0.0.0.0:22 and a service on loopback only',
      build: (t) => proc(t, [row(0, '00000000:0016', '0A', 0, 5001), row(1, '0100007F:2328', '0A', 0, 5002)], [], [SSHD, { pid: 700, comm: 'node', exe: '/usr/bin/node', uid: 0, inodes: [5002] }]),
      expect: [{ status: 'pass', subject: 'listening-services', evidence: ['tcp/0.0.0.0:22: pid 612 "sshd" exe /usr/sbin/sshd uid 0'] }],
    },
    {
      name: 'an extra service allowed by executable and a UDP port allowed by [checks.RG-HOST-004] allow',
      config: '[checks.RG-HOST-004]\nallow = ["/usr/sbin/nginx", "udp/5353"]\n',
      build: (t) =>
        proc(t, [row(0, '0A0200C0:1F90', '0A', 0, 5003)], [row(3478, '00000000:14E9', '07', 0, 5004)], [
          { pid: 800, comm: 'nginx', exe: '/usr/sbin/nginx', uid: 0, inodes: [5003] },
          { pid: 801, comm: 'avahi-daemon', exe: '/usr/sbin/avahi-daemon', uid: 0, inodes: [5004] },
        ]),
      expect: [{ status: 'pass', subject: 'listening-services', message: '(2)' }],
    },
  ],
  failing: [
    {
      name: 'root\'s unknown TCP and UDP listeners warn, with their process',
      build: (t) => proc(t, [row(1, '0A0200C0:1F90', '0A', 0, 1695681)], [row(3478, '00000000:14E9', '07', 0, 1695684)], [{ pid: 26140, comm: 'node', exe: '/usr/bin/node', uid: 0, inodes: [1695681, 1695684] }]),
      expect: [
        { status: 'warn', subject: 'listen:tcp/192.0.2.10:8080', message: '"node" listens on tcp/192.0.2.10:8080, which is not in the allow-list', evidence: ['pid 26140 "node" exe /usr/bin/node uid 0'] },
        { status: 'warn', subject: 'listen:udp/0.0.0.0:5353' },
      ],
    },
    {
      name: 'attacker: a job runs /usr/sbin/sshd itself (an allowed executable) as the runner user on 0.0.0.0:4444: fail, named by uid',
      build: async (t) => {
        await runnerHost(t, runner('s', 'shell'));
        await proc(t, [row(2, '00000000:115C', '0A', 998, 1695979)], [], [{ pid: 26141, comm: 'sshd', exe: '/usr/sbin/sshd', uid: 998, inodes: [1695979] }]);
      },
      expect: [{ status: 'fail', subject: 'listen:tcp/0.0.0.0:4444', message: /^gitlab-runner \(GitLab Runner job user.*\) listens on tcp\/0\.0\.0\.0:4444: a service a job started/ }],
    },
    {
      name: 'a socket no process of this PID namespace holds: warn, said so',
      build: (t) => proc(t, [row(0, '00000000:0801', '0A', 0, 7777)], [], []),
      expect: [{ status: 'warn', subject: 'listen:tcp/0.0.0.0:2049', message: 'an unknown process', evidence: [/no process of this PID namespace holds it/] }],
    },
  ],
  notApplicable: [{ name: 'offline root without /proc', build: async () => {}, expect: [{ status: 'skip', subject: 'listening-services' }] }],
});
