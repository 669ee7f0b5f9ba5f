/**
 * RG-DOCKER-003 on the live host, against real dockerds (Debian's
 * docker.io, unpacked under .cache, never installed), each in a network
 * namespace of its own (unshare -n) with its own unix socket, data-root and
 * exec-root, and no unit file anywhere: what runs is read from
 * /proc/PID/cmdline and from the TCP sockets the process holds in LISTEN.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import check from '../../../checks/docker/tcp-api.js';
import { defaultConfig } from '../../../agent/config/schema.js';
import { runAudit } from '../../../agent/engine/run-checks.js';
import type { Finding } from '../../../agent/engine/types.js';
import { createHost } from '../../../agent/host/index.js';

interface Daemon {
  dir: string;
  child: ChildProcess;
  pid: number;
}

const daemons: Daemon[] = [];
let findings: Finding[] = [];
let dockerRoot: string;
let fake: ChildProcess;

/** Starts dockerd in a new network namespace; resolves once it logged that its API listens on every host it was given. */
async function startDockerd(args: (dir: string) => string[], daemonJson?: (dir: string) => object): Promise<Daemon> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rg-dockerd-'));
  // Its trust key in its own dir: by default each dockerd creates /etc/docker/key.json on the host (a
  // daemon.json key only, no flag). Three starting at once on a fresh machine race on that one file, and
  // the /etc/docker left behind changes what the live RG-AUDIT-002 test sees.
  writeFileSync(`${dir}/daemon.json`, JSON.stringify({ 'deprecated-key-path': `${dir}/key.json`, ...daemonJson?.(dir) }));
  const argv = [
    ...args(dir),
    '--config-file', `${dir}/daemon.json`,
    '--data-root', `${dir}/data`, '--exec-root', `${dir}/exec`, '--pidfile', `${dir}/docker.pid`,
    '--iptables=false', '--ip6tables=false', '--bridge=none', '--storage-driver', 'vfs',
  ];
  const script = `ip link set lo up && exec dockerd ${argv.map((a) => `'${a}'`).join(' ')} >'${dir}/log' 2>&1`;
  const env = { ...process.env, PATH: `${dockerRoot}/usr/bin:${dockerRoot}/usr/sbin:${process.env.PATH}` };
  const child = spawn('unshare', ['-n', '--', 'sh', '-c', script], { env, detached: true, stdio: 'ignore' });
  const d = { dir, child, pid: child.pid! };
  daemons.push(d);
  const want = (daemonJson ? 2 : args(dir).filter((a) => a === '-H').length) || 1;
  for (;;) {
    const log = (() => {
      try {
        return readFileSync(`${dir}/log`, 'utf8');
      } catch {
        return '';
      }
    })();
    if ((log.match(/API listen on/g) ?? []).length >= want) return d;
    if (child.exitCode !== null) throw new Error(`dockerd exited ${child.exitCode}: ${log.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  dockerRoot = execFileSync('bash', [path.resolve(__dirname, '../../setup/docker-debs.sh')], { encoding: 'utf8' }).trim();
  await Promise.all([
    // Started by hand, outside any unit: -H tcp:// without TLS on its command line.
    startDockerd((dir) => ['-H', `unix://${dir}/docker.sock`, '-H', 'tcp://127.0.0.1:23751']),
    // The tcp:// host is in a --config-file nobody audits: only its listening socket tells.
    startDockerd(() => [], (dir) => ({ hosts: [`unix://${dir}/docker.sock`, 'tcp://127.0.0.1:23752'] })),
    // Unix socket only.
    startDockerd((dir) => ['-H', `unix://${dir}/docker.sock`]),
  ]);
  // A job's fake: a binary named dockerd, as uid 999, claiming --tlsverify.
  fake = spawn('perl', ['-e', 'sleep 600', '-H', 'tcp://0.0.0.0:2375', '--tlsverify'], { argv0: '/usr/bin/dockerd', uid: 999, gid: 999, stdio: 'ignore' });
  while (!readFileSync(`/proc/${fake.pid}/cmdline`, 'latin1').includes('--tlsverify')) await new Promise((r) => setTimeout(r, 20));
  const report = await runAudit({ host: createHost({ root: '/' }), config: defaultConfig(), checks: [check] });
  findings = report.findings;
}, 120_000);

afterAll(async () => {
  fake?.kill('SIGKILL');
  // SIGTERM: dockerd unmounts its data-root and stops its containerd; what is still mounted after is unmounted here.
  await Promise.all(
    daemons.map(
      (d) =>
        new Promise<void>((resolve) => {
          if (d.child.exitCode !== null) return resolve();
          d.child.once('exit', () => resolve());
          try {
            process.kill(-d.child.pid!, 'SIGTERM');
          } catch {
            resolve();
          }
        }),
    ),
  );
  for (const d of daemons) {
    try {
      process.kill(-d.child.pid!, 'SIGKILL'); // its containerd, if it outlived dockerd
    } catch {
      /* gone */
    }
    for (const m of readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter((m) => m.startsWith(d.dir)).reverse()) {
      execFileSync('umount', ['-l', m]);
    }
    rmSync(d.dir, { recursive: true, force: true });
  }
}, 60_000);

const of = (d: Daemon) => findings.find((f) => f.subject === `dockerd:pid:${d.pid}`);

describe('RG-DOCKER-003 live', () => {
  it('dockerd -H tcp://127.0.0.1:PORT without TLS, started outside the unit files: fails, with its command line and its listening socket', () => {
    const f = of(daemons[0]!);
    expect(f?.status).toBe('fail');
    expect(f?.message).toContain('tcp://127.0.0.1:23751');
    expect(f?.evidence).toContain(`pid ${daemons[0]!.pid} listens on 127.0.0.1:23751 (/proc/${daemons[0]!.pid}/net/tcp)`);
    expect(f?.evidence).toContain('/etc/docker/daemon.json: "tlsverify": (not set)');
  });

  it('a tcp:// host that is on no command line (a --config-file) is found by the socket the daemon listens on', () => {
    const f = of(daemons[1]!);
    expect(f?.status).toBe('fail');
    expect(f?.message).toContain('tcp://127.0.0.1:23752');
    expect(f?.evidence.some((e) => e.startsWith(`/proc/${daemons[1]!.pid}/cmdline: dockerd --config-file`))).toBe(true);
    expect(f?.evidence).toContain(`pid ${daemons[1]!.pid} listens on 127.0.0.1:23752 (/proc/${daemons[1]!.pid}/net/tcp)`);
  });

  it('a dockerd on its unix socket only passes', () => {
    expect(of(daemons[2]!)?.status).toBe('pass');
    expect(of(daemons[2]!)?.message).toBe(`the running dockerd listens on no TCP port (unix://${daemons[2]!.dir}/docker.sock)`);
  });

  it('attacker: a job\'s process named dockerd (uid 999, "--tlsverify") is not the host\'s daemon: no finding of its own, no flag lent to another', () => {
    expect(findings.some((f) => f.subject === `dockerd:pid:${fake.pid}`)).toBe(false);
    expect(of(daemons[0]!)?.status).toBe('fail');
  });
});
