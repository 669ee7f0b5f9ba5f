import { createHash } from 'node:crypto';
import os from 'node:os';
import type { HostFs, HostIdentity } from './types.js';

async function readFirst(fs: HostFs, p: string): Promise<string> {
  try {
    return (await fs.readText(p, { maxBytes: 64 * 1024 })).trim();
  } catch {
    return '';
  }
}

/** machineId is never the raw id (it is a stable secret-ish identifier): its SHA-256. */
export async function machineIdHash(fs: HostFs): Promise<string> {
  const id = await readFirst(fs, '/etc/machine-id');
  return id ? createHash('sha256').update(id).digest('hex') : '';
}

export function prettyOs(osRelease: string): string {
  const vars = new Map<string, string>();
  for (const line of osRelease.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) vars.set(m[1]!, m[2]!.replace(/^["']|["']$/g, ''));
  }
  return vars.get('PRETTY_NAME') ?? ([vars.get('NAME'), vars.get('VERSION')].filter(Boolean).join(' ') || 'unknown');
}

/** An offline root has no running kernel: name the newest one it has installed. */
async function installedKernel(fs: HostFs): Promise<string> {
  try {
    const mods = (await fs.readdir('/lib/modules')).filter((e) => e.kind === 'dir').map((e) => e.name);
    mods.sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
    return mods.at(-1) ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export async function offlineIdentity(fs: HostFs): Promise<HostIdentity> {
  const [hostname, osRelease, machineId, kernel] = await Promise.all([
    readFirst(fs, '/etc/hostname'),
    readFirst(fs, '/etc/os-release').then((t) => t || readFirst(fs, '/usr/lib/os-release')),
    machineIdHash(fs),
    installedKernel(fs),
  ]);
  return { hostname: hostname || 'unknown', machineId, os: osRelease ? prettyOs(osRelease) : 'unknown', kernel };
}

export async function liveIdentity(fs: HostFs): Promise<HostIdentity> {
  // systeminformation knows the distro quirks; loaded lazily to keep start-up fast.
  const si = await import('systeminformation/lib/osinfo.js');
  const [info, machineId] = await Promise.all([si.osInfo().catch(() => null), machineIdHash(fs)]);
  const osName = info ? [info.distro, info.release].filter(Boolean).join(' ') : '';
  return {
    hostname: info?.hostname || os.hostname(),
    machineId,
    os: osName || prettyOs(await readFirst(fs, '/etc/os-release')),
    kernel: info?.kernel || os.release(),
  };
}
