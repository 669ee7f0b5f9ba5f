import { promises as fsp } from 'node:fs';
import { defineFact } from './index.js';
import { processesFact } from './processes.js';

/** Open fds of one process looked at, at most. */
const MAX_FDS = 65_536;
/** Bytes of /proc/PID/net/tcp{,6} read, at most (a line is 150 bytes: ~100k sockets). */
const MAX_NET_BYTES = 16 * 1024 * 1024;

export interface Listener {
  /** "0.0.0.0", "127.0.0.1", "::", "::1" */
  addr: string;
  port: number;
  proto: 'tcp' | 'tcp6';
}

/** A dockerd running as root, with what it was started with and where it listens. */
export interface RunningDockerd {
  pid: number;
  argv: string[];
  /** TCP sockets in LISTEN state held open by this process (its own network namespace). */
  listens: Listener[];
  /** Why the sockets could not be read, when they could not. */
  error?: string;
}

function ipv4(hex: string): string {
  // /proc/net/tcp prints the address as the host-order u32: little-endian bytes on x86/arm.
  const n = parseInt(hex, 16);
  return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255].join('.');
}

function ipv6(hex: string): string {
  const words: string[] = [];
  for (let i = 0; i < 32; i += 8) {
    const w = hex.slice(i, i + 8);
    // Each 32-bit word is in host order too.
    const bytes = [w.slice(6, 8), w.slice(4, 6), w.slice(2, 4), w.slice(0, 2)].join('');
    words.push(bytes.slice(0, 4), bytes.slice(4, 8));
  }
  const groups = words.map((g) => parseInt(g, 16).toString(16));
  if (groups.slice(0, 6).join(':') === '0:0:0:0:0:ffff') return ipv4Mapped(groups);
  // RFC 5952: the longest run of two or more zero groups becomes "::".
  let best = -1;
  let len = 0;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > len && j - i >= 2) [best, len] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + len).join(':')}`;
}

function ipv4Mapped(groups: string[]): string {
  const a = parseInt(groups[6]!, 16);
  const b = parseInt(groups[7]!, 16);
  return `::ffff:${a >> 8}.${a & 255}.${b >> 8}.${b & 255}`;
}

/** LISTEN sockets of a /proc/net/tcp{,6} table whose inode is in `inodes`. */
export function parseNetTcp(text: string, proto: 'tcp' | 'tcp6', inodes: Set<string>): Listener[] {
  const out: Listener[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || f[3] !== '0A') continue; // 0A: TCP_LISTEN
    if (!inodes.has(f[9]!)) continue;
    const [addr, port] = f[1]!.split(':');
    if (!addr || !port) continue;
    out.push({ addr: proto === 'tcp' ? ipv4(addr) : ipv6(addr), port: parseInt(port, 16), proto });
  }
  return out;
}

async function socketInodes(pid: number): Promise<Set<string>> {
  const fds = (await fsp.readdir(`/proc/${pid}/fd`)).slice(0, MAX_FDS);
  const inodes = new Set<string>();
  for (const fd of fds) {
    const link = await fsp.readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const m = /^socket:\[(\d+)\]$/.exec(link);
    if (m) inodes.add(m[1]!);
  }
  return inodes;
}

async function readCapped(p: string): Promise<string> {
  const fh = await fsp.open(p, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.alloc(256 * 1024);
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0 || total >= MAX_NET_BYTES) break;
      chunks.push(buf.subarray(0, bytesRead));
      total += bytesRead;
    }
    return Buffer.concat(chunks).toString('latin1');
  } finally {
    await fh.close();
  }
}

/**
 * Every dockerd running as root on the live host: its command line (what
 * it was really started with, whatever the unit files say now) and the TCP
 * sockets it listens on, read from its own /proc/PID/net/tcp{,6} (its
 * network namespace) and matched to its fds' socket inodes. A dockerd of
 * another uid is a rootless daemon: that user's, not the host's root, and
 * a job could start one with any arguments, so it is left out.
 */
export const runningDockerdFact = defineFact<RunningDockerd[]>('running-dockerd', async (env) => {
  if (!env.host.live) return [];
  const procs = (await env.facts.get(processesFact)).filter((p) => p.euid === 0 && /(^|\/)dockerd$/.test(p.argv[0] ?? ''));
  const out: RunningDockerd[] = [];
  for (const p of procs) {
    const d: RunningDockerd = { pid: p.pid, argv: p.argv, listens: [] };
    try {
      const inodes = await socketInodes(p.pid);
      for (const proto of ['tcp', 'tcp6'] as const) {
        const text = await readCapped(`/proc/${p.pid}/net/${proto}`).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? '' : Promise.reject(err)));
        d.listens.push(...parseNetTcp(text, proto, inodes));
      }
    } catch (err) {
      d.error = `/proc/${p.pid}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`;
    }
    out.push(d);
  }
  return out;
});
