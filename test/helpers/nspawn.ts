/**
 * Booting a Debian 12 root with systemd-nspawn (this machine has no systemd
 * as PID 1: --register=no --keep-unit keep machined and scopes out of it) and
 * driving it from outside with nsenter into the container's PID 1. A booted
 * container is always torn down: poweroff, then SIGKILL of its PID 1 (which
 * ends the whole PID namespace) and of nspawn; a process exit hook does the
 * same if a test dies first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { aptInstall, chrootRun, copyRoot, ensureLayer, ensurePristineBookworm, run, type RunOptions, type RunResult } from './debian-root.js';

/** The pristine root plus systemd as init and the firewall tools the audit reads. */
export async function ensureBookwormSystemd(): Promise<string> {
  const base = await ensurePristineBookworm();
  return ensureLayer('bookworm-systemd-net', async (tmp) => {
    await copyRoot(base, tmp);
    await aptInstall(tmp, ['systemd', 'systemd-sysv', 'dbus', 'nftables', 'iptables']);
    const v = await chrootRun(tmp, ['dpkg-query', '-W', '-f=${Version}', 'systemd']);
    return { systemd: v.stdout.trim() };
  });
}

/**
 * The systemd layer plus Debian's auditd (enabled by its postinst: disable it
 * before booting a copy unless a test wants it failing) and Debian's nodejs
 * (18.x), which runs the bundle inside the booted container.
 */
export async function ensureBookwormSystemdNode(): Promise<string> {
  const base = await ensureBookwormSystemd();
  return ensureLayer('bookworm-systemd-net-auditd-node', async (tmp) => {
    await copyRoot(base, tmp);
    await aptInstall(tmp, ['auditd', 'nodejs']);
    const v = await chrootRun(tmp, ['dpkg-query', '-W', '-f=${Package} ${Version}\n', 'auditd', 'nodejs']);
    return { packages: v.stdout.trim().split('\n') };
  });
}

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const live = new Set<Booted>();
process.once('exit', () => {
  for (const b of live) b.killNow();
});

function childOf(ppid: number): number | undefined {
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === ppid) return Number(e);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

export class Booted {
  /** The container's PID 1 as this machine sees it. */
  leader = 0;
  console = '';
  private readonly exited: Promise<void>;

  constructor(private readonly nspawn: ChildProcess) {
    this.exited = new Promise((r) => nspawn.once('exit', () => r()));
    const keep = (d: string) => (this.console = (this.console + d).slice(-20_000));
    nspawn.stdout!.setEncoding('utf8').on('data', keep);
    nspawn.stderr!.setEncoding('utf8').on('data', keep);
  }

  /** argv inside the container (all its namespaces), a clean environment. */
  exec(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
    return run(['nsenter', '-t', String(this.leader), '-a', 'env', '-i', `PATH=${PATH}`, 'LANG=C.UTF-8', ...argv], { timeoutMs: 120_000, ...opts });
  }

  /** exec() that must exit 0; the output otherwise in the error. */
  async must(argv: string[], opts: RunOptions = {}): Promise<string> {
    const r = await this.exec(argv, opts);
    if (r.code !== 0) throw new Error(`in the container: ${argv.join(' ')}: exit ${r.code ?? r.signal}\n${r.stdout}${r.stderr}`);
    return r.stdout;
  }

  killNow(): void {
    for (const pid of [this.leader, this.nspawn.pid]) {
      try {
        if (pid) process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  /** Clean poweroff, or SIGKILL after timeoutMs; resolves once nspawn is gone. */
  async stop(timeoutMs = 60_000): Promise<void> {
    if (this.nspawn.exitCode === null && this.nspawn.signalCode === null) {
      if (this.leader) await this.exec(['systemctl', 'poweroff', '--no-block'], { timeoutMs: 10_000 }).catch(() => undefined);
      const t = setTimeout(() => this.killNow(), timeoutMs);
      await this.exited;
      clearTimeout(t);
    }
    live.delete(this);
  }
}

/** Boots `dir` and waits until systemd reports running (or degraded). */
export async function boot(dir: string, opts: { timeoutMs?: number } = {}): Promise<Booted> {
  const nspawn = spawn('systemd-nspawn', ['-D', dir, '-b', '--register=no', '--keep-unit', '--private-network', '--console=read-only'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH, LANG: 'C.UTF-8' },
  });
  const b = new Booted(nspawn);
  live.add(b);
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  try {
    while (!b.leader) {
      if (nspawn.exitCode !== null || Date.now() > deadline) throw new Error(`systemd-nspawn did not start a container:\n${b.console}`);
      // nspawn's first child is the container's PID 1 (systemd) once it has exec'd.
      const pid = childOf(nspawn.pid!);
      if (pid && existsSync(`/proc/${pid}/comm`) && readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'systemd') b.leader = pid;
      else await new Promise((r) => setTimeout(r, 100));
    }
    // Until PID 1 has its bus up, systemctl fails at once: ask again.
    for (;;) {
      const state = await b.exec(['systemctl', 'is-system-running', '--wait'], { timeoutMs: Math.max(1000, deadline - Date.now()) });
      if (/^(running|degraded)$/m.test(state.stdout)) return b;
      if (Date.now() > deadline) throw new Error(`the container did not boot (${state.stdout.trim() || state.stderr.trim() || state.code}):\n${b.console}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (err) {
    await b.stop(10_000);
    throw err;
  }
}
