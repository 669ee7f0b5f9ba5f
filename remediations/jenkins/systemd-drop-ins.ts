import type { Host, HostFs } from '../../agent/host/index.js';

/**
 * The drop-ins the running systemd applies to `unit`, from its own
 * DropInPaths. The unit facts read every dir systemd 252 reads
 * (agent/facts/drop-ins.ts), but not all it may apply: the drop-ins of a
 * unit's alias names, a drop-in the facts would not follow (a link a user
 * made) or read (too big, binary), a newer systemd's new dirs. A drop-in the
 * facts did not read that sorts after ours and sets ExecStart= again wins:
 * the fix would change nothing while its re-check passed. So the running
 * systemd is asked, and anything it names that the facts did not read refuses the fix.
 */
export async function systemdDropIns(host: Host, unit: string): Promise<string[] | { error: string }> {
  const r = await host.exec(['systemctl', 'show', '-P', 'DropInPaths', unit], { timeoutMs: 10_000, maxBuffer: 256 * 1024 });
  if (r.failure || r.exitCode !== 0) return { error: `systemctl show -P DropInPaths ${unit}: ${r.message ?? (r.stderr.trim().split('\n')[0] || `exit ${r.exitCode}`)}` };
  // Space-separated: a name with a space splits into words no drop-in we read has, so it is refused, never missed.
  return r.stdout.split(/\s+/).filter(Boolean);
}

/**
 * Which of systemd's drop-ins are none of `known` (those the unit facts
 * read), compared after resolving links: /lib and /usr/lib are one dir on a
 * merged-/usr system, and each side may name either.
 */
export async function unseenDropIns(fs: HostFs, fromSystemd: string[], known: string[]): Promise<string[]> {
  const real = (p: string) => fs.realpath(p).catch(() => p);
  const seen = new Set(await Promise.all(known.map(real)));
  const out: string[] = [];
  for (const p of fromSystemd) if (!seen.has(await real(p))) out.push(p);
  return out;
}
