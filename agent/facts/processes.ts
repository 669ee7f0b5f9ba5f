import { promises as fsp } from 'node:fs';
import { defineFact } from './index.js';

/** Processes looked at, at most; bytes of one command line kept, at most. */
export const MAX_PROCESSES = 65_536;
export const MAX_CMDLINE_BYTES = 64 * 1024;

export interface ProcessInfo {
  pid: number;
  /** Real uid (the second field of /proc/PID/status `Uid:` is the effective one; both are kept). */
  uid: number;
  euid: number;
  argv: string[];
  /** The systemd unit whose cgroup holds it (`docker.service`, `user@1000.service`), when there is one. */
  unit?: string;
}

/** argv from /proc/PID/cmdline: NUL-separated, truncated at MAX_CMDLINE_BYTES. */
export function parseCmdline(buf: Buffer): string[] {
  const text = buf.subarray(0, MAX_CMDLINE_BYTES).toString('utf8');
  const words = text.split('\u0000');
  if (words.at(-1) === '') words.pop();
  return words;
}

/** The last `*.service` of a cgroup v2/v1 path (`0::/system.slice/jenkins-agent.service`). */
export function unitOfCgroup(text: string): string | undefined {
  for (const line of text.split('\n')) {
    const path = line.split(':').slice(2).join(':');
    const m = /([^/]+\.service)(?:\/[^/]*)?$/.exec(path) ?? /([^/]+\.service)\//.exec(path);
    if (m) return m[1];
  }
  return undefined;
}

async function readBounded(p: string, max: number): Promise<Buffer | null> {
  let fh;
  try {
    fh = await fsp.open(p, 'r');
    const buf = Buffer.alloc(max);
    const { bytesRead } = await fh.read(buf, 0, max, 0);
    return buf.subarray(0, bytesRead);
  } catch {
    return null;
  } finally {
    await fh?.close().catch(() => {});
  }
}

/**
 * The live host's processes, from /proc (never a command): a bounded read
 * of each one's cmdline, uid and cgroup. A process that exits meanwhile is
 * left out. Offline: none (a mounted image runs nothing).
 */
export const processesFact = defineFact<ProcessInfo[]>('processes', async (env) => {
  if (!env.host.live) return [];
  const pids = (await fsp.readdir('/proc').catch(() => [] as string[])).filter((n) => /^\d+$/.test(n)).slice(0, MAX_PROCESSES);
  const out: ProcessInfo[] = [];
  for (const pid of pids) {
    if (env.signal.aborted) break;
    const [cmd, status, cgroup] = await Promise.all([
      readBounded(`/proc/${pid}/cmdline`, MAX_CMDLINE_BYTES),
      readBounded(`/proc/${pid}/status`, 8192),
      readBounded(`/proc/${pid}/cgroup`, 8192),
    ]);
    if (!cmd || cmd.length === 0 || !status) continue; // kernel threads have no command line
    const uids = /^Uid:\s+(\d+)\s+(\d+)/m.exec(status.toString('latin1'));
    if (!uids) continue;
    const unit = cgroup ? unitOfCgroup(cgroup.toString('latin1')) : undefined;
    out.push({ pid: Number(pid), uid: Number(uids[1]), euid: Number(uids[2]), argv: parseCmdline(cmd), ...(unit ? { unit } : {}) });
  }
  return out;
});
