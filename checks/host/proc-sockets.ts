import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** A socket bound for others to reach: TCP in LISTEN, or an unconnected UDP socket. */
export interface Listening {
  proto: 'tcp' | 'udp';
  address: string;
  port: number;
  inode: string;
}

/** Most rows read per /proc/net table and most fds looked at: a job can open many sockets. */
export const MAX_ROWS = 50_000;
export const MAX_FDS = 200_000;

/** "0100007F" -> 127.0.0.1; 32 hex digits -> an IPv6 address (each 32-bit word in host byte order, little-endian here). */
export function procAddress(hex: string): string {
  if (hex.length === 8) return [3, 2, 1, 0].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.');
  const bytes: number[] = [];
  for (let w = 0; w < 4; w++) for (const i of [3, 2, 1, 0]) bytes.push(parseInt(hex.slice(w * 8 + i * 2, w * 8 + i * 2 + 2), 16));
  const groups = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  const v6 = groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
  const mapped = /^::ffff:([0-9a-f]+):([0-9a-f]+)$/.exec(v6);
  if (mapped) {
    const a = parseInt(mapped[1]!, 16);
    const b = parseInt(mapped[2]!, 16);
    return `::ffff:${a >> 8}.${a & 255}.${b >> 8}.${b & 255}`;
  }
  return v6;
}

/** The listening rows of one /proc/net/{tcp,tcp6,udp,udp6} table. */
export function parseProcNet(text: string, proto: 'tcp' | 'udp'): Listening[] {
  const out: Listening[] = [];
  const rows = text.split('\n').slice(1, MAX_ROWS + 1);
  for (const row of rows) {
    const f = row.trim().split(/\s+/);
    if (f.length < 10) continue;
    const [local, remote, state, inode] = [f[1]!, f[2]!, f[3]!, f[9]!];
    const listening = proto === 'tcp' ? state === '0A' : state === '07' && /^0+:0000$/.test(remote);
    if (!listening || inode === '0') continue;
    const [addr, port] = local.split(':');
    out.push({ proto, address: procAddress(addr!), port: parseInt(port!, 16), inode });
  }
  return out;
}

export interface SocketOwner {
  pid: number;
  comm: string;
  exe: string;
  uid: number;
}

/**
 * Which process holds each socket inode, from /proc/<pid>/fd links (live
 * hosts only; `proc` is the host path of /proc). Names and paths are the
 * process's own, job-chosen: callers cut and neutralise them.
 */
export function socketOwners(proc: string, inodes: Set<string>): { owners: Map<string, SocketOwner[]>; truncated: boolean } {
  const owners = new Map<string, SocketOwner[]>();
  let fds = 0;
  let truncated = false;
  for (const pidName of readdirSync(proc)) {
    if (!/^\d+$/.test(pidName)) continue;
    let entries: string[];
    try {
      entries = readdirSync(`${proc}/${pidName}/fd`);
    } catch {
      continue; // gone, or a kernel thread
    }
    let info: SocketOwner | null = null;
    for (const fd of entries) {
      if (++fds > MAX_FDS) {
        truncated = true;
        return { owners, truncated };
      }
      let target: string;
      try {
        target = readlinkSync(`${proc}/${pidName}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (!m || !inodes.has(m[1]!)) continue;
      info ??= describe(proc, Number(pidName));
      owners.set(m[1]!, [...(owners.get(m[1]!) ?? []), info]);
    }
  }
  return { owners, truncated };
}

function describe(proc: string, pid: number): SocketOwner {
  const read = (f: string) => {
    try {
      return readFileSync(`${proc}/${pid}/${f}`, 'utf8').slice(0, 4096);
    } catch {
      return '';
    }
  };
  let exe = '';
  try {
    exe = readlinkSync(`${proc}/${pid}/exe`).slice(0, 512);
  } catch {
    exe = '(unreadable)';
  }
  const uid = Number(/^Uid:\s+(\d+)/m.exec(read('status'))?.[1] ?? -1);
  return { pid, comm: read('comm').trim().slice(0, 32), exe, uid };
}
