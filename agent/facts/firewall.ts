import path from 'node:path';
import { parseIptablesSave } from '../../checks/network/iptables.js';
import { RulesSyntaxError, type Chain, type RuleSet } from '../../checks/network/model.js';
import { parseNftJson } from '../../checks/network/nft-json.js';
import { includeSpecs } from '../../checks/network/nft-lex.js';
import { parseNftText } from '../../checks/network/nft-text.js';
import { describeCode, isHostError, type Host } from '../host/index.js';
import { defineFact } from './index.js';

export interface FirewallSource {
  /** The command or file. */
  name: string;
  state: 'read' | 'empty' | 'absent' | 'failed';
  /** For evidence: "iptables-nft-save: 3 tables", "nft: command not found". */
  detail: string;
}

export interface FirewallFacts {
  live: boolean;
  rules: RuleSet;
  sources: FirewallSource[];
  /** Nothing could be read (every command failed), or a persisted rule file is broken (file:line). */
  error?: string;
}

const TIMEOUT_MS = 8_000;
const V4_FILES = ['/etc/iptables/rules.v4', '/etc/sysconfig/iptables'];
const V6_FILES = ['/etc/iptables/rules.v6', '/etc/sysconfig/ip6tables'];
const NFT_FILES = ['/etc/nftables.conf', '/etc/sysconfig/nftables.conf'];

type Run = { ok: true; name: string; stdout: string } | { ok: false; source: FirewallSource };

async function run(host: Host, argv: string[], fallback?: string[]): Promise<Run> {
  let r = await host.exec(argv, { timeoutMs: TIMEOUT_MS });
  if (r.failure === 'not-found' && fallback) r = await host.exec(fallback, { timeoutMs: TIMEOUT_MS });
  const name = r.argv.join(' ');
  if (r.failure === 'not-found') return { ok: false, source: { name, state: 'absent', detail: `${r.argv[0]}: command not found` } };
  if (r.failure) return { ok: false, source: { name, state: 'failed', detail: r.message ?? `${name}: ${r.failure}` } };
  if (r.exitCode !== 0) {
    const why = r.stderr.trim().split('\n')[0] || 'no message';
    return { ok: false, source: { name, state: 'failed', detail: `${name}: exit ${r.exitCode}: ${why}` } };
  }
  return { ok: true, name, stdout: r.stdout };
}

/** iptables (both backends, v4 and v6) and `nft -j list ruleset`, run side by side. */
async function liveRules(host: Host): Promise<FirewallFacts> {
  const chains: Chain[] = [];
  const sources: FirewallSource[] = [];
  const nftOwned = new Set<string>(); // "ip filter": tables iptables-nft showed in full
  const saves = await Promise.all(
    (['ip', 'ip6'] as const).flatMap((family) => {
      const bin = family === 'ip' ? 'iptables' : 'ip6tables';
      return [
        run(host, [`${bin}-nft-save`], [`${bin}-save`]).then((r) => ({ r, family, legacy: false })),
        run(host, [`${bin}-legacy-save`]).then((r) => ({ r, family, legacy: true })),
      ];
    }),
  );
  const nft = await run(host, ['nft', '-j', 'list', 'ruleset']);
  for (const { r, family, legacy } of saves) {
    if (!r.ok) {
      // A missing legacy tool just means there are no legacy tables to read.
      if (!(legacy && r.source.state === 'absent')) sources.push(r.source);
      continue;
    }
    // Without an -nft-save tool, `iptables-save` may be the legacy one: reading both would list it twice.
    const plain = `${family === 'ip' ? 'iptables' : 'ip6tables'}-save`;
    if (legacy && saves.some((s) => s.family === family && !s.legacy && s.r.ok && s.r.name === plain)) continue;
    try {
      const parsed = parseIptablesSave({ text: r.stdout, family, origin: r.name, file: false });
      chains.push(...parsed.chains);
      const viaNft = !legacy && (r.name.includes('-nft-') || /nf_tables/.test(r.stdout.split('\n')[0] ?? ''));
      if (viaNft) parsed.tables.forEach((t) => nftOwned.add(`${family} ${t}`));
      const state = parsed.tables.length ? 'read' : 'empty';
      sources.push({ name: r.name, state, detail: `${r.name}: ${parsed.tables.length ? `tables ${parsed.tables.join(', ')}` : 'no tables'}` });
    } catch (err) {
      sources.push({ name: r.name, state: 'failed', detail: `${r.name}: unreadable output: ${(err as Error).message}` });
    }
  }
  if (nft.ok) {
    try {
      const parsed = parseNftJson(nft.stdout, 'nft list ruleset');
      chains.push(...parsed.chains.filter((c) => !nftOwned.has(`${c.family} ${c.table}`)));
      const own = parsed.tables.filter((t) => !nftOwned.has(`${t.family} ${t.name}`)).map((t) => `${t.family} ${t.name}`);
      sources.push({ name: nft.name, state: own.length ? 'read' : 'empty', detail: `${nft.name}: ${own.length ? `tables ${own.join(', ')}` : 'no nftables tables of its own'}` });
    } catch (err) {
      sources.push({ name: nft.name, state: 'failed', detail: `${nft.name}: unreadable output: ${(err as Error).message}` });
    }
  } else sources.push(nft.source);
  const answered = sources.some((s) => s.state === 'read' || s.state === 'empty');
  const error = answered ? undefined : `no firewall rule set could be read: ${sources.map((s) => s.detail).join('; ')}`;
  return { live: true, rules: { chains }, sources, error };
}

async function readOptional(host: Host, file: string): Promise<string | null> {
  try {
    const text = await host.fs.readText(file, { maxBytes: 4 * 1024 * 1024 });
    if (text.includes('\u0000')) throw new RulesSyntaxError(file, 'binary data, not a rule set');
    return text;
  } catch (err) {
    if (isHostError(err, 'ENOENT')) return null;
    if (isHostError(err)) throw new RulesSyntaxError(file, describeCode(err.code));
    throw err;
  }
}

/** Files an include names: nft resolves relative paths against /etc and expands a wildcard in the last component, sorted. */
async function includeTargets(host: Host, spec: string): Promise<string[]> {
  const full = spec.startsWith('/') ? spec : `/etc/${spec}`;
  const base = path.posix.basename(full);
  if (!/[*?[]/.test(base)) return [full];
  const re = new RegExp(`^${base.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  const dir = path.posix.dirname(full);
  const names = await host.fs.readdir(dir).catch(() => []);
  return names.filter((e) => re.test(e.name) && !e.name.startsWith('.')).map((e) => `${dir}/${e.name}`).sort();
}

/** Reads nftables.conf and everything it includes, then parses it with the includes spliced in. */
async function nftFile(host: Host, file: string, text: string): Promise<Chain[]> {
  const files = new Map<string, string | null>([[file, text]]);
  const specs = new Map<string, string[]>();
  const queue = [file];
  while (queue.length) {
    const f = queue.shift()!;
    for (const { spec } of includeSpecs(files.get(f) ?? '', f)) {
      if (specs.has(spec)) continue;
      const targets = await includeTargets(host, spec);
      specs.set(spec, targets);
      for (const t of targets) {
        if (files.has(t)) continue;
        files.set(t, await readOptional(host, t));
        if (files.get(t) !== null) queue.push(t);
      }
    }
  }
  return parseNftText(text, file, (spec, from) =>
    (specs.get(spec) ?? []).map((p) => {
      const body = files.get(p);
      if (body === null || body === undefined) throw new RulesSyntaxError(`${from.file}:${from.line}`, `include "${spec}": ${p} does not exist`);
      return { path: p, text: body };
    }),
  );
}

/** The persisted rule sets an offline root would load at boot. */
async function offlineRules(host: Host): Promise<FirewallFacts> {
  const chains: Chain[] = [];
  const sources: FirewallSource[] = [];
  try {
    for (const [files, family] of [[V4_FILES, 'ip'], [V6_FILES, 'ip6']] as const) {
      for (const file of files) {
        const text = await readOptional(host, file);
        if (text === null) continue;
        const parsed = parseIptablesSave({ text, family, origin: file, file: true });
        chains.push(...parsed.chains);
        sources.push({ name: file, state: parsed.tables.length ? 'read' : 'empty', detail: `${file}: ${parsed.tables.length ? `tables ${parsed.tables.join(', ')}` : 'no tables'}` });
      }
    }
    for (const file of NFT_FILES) {
      const text = await readOptional(host, file);
      if (text === null) continue;
      const own = await nftFile(host, file, text);
      chains.push(...own);
      sources.push({ name: file, state: own.length ? 'read' : 'empty', detail: `${file}: ${own.length} chains` });
    }
  } catch (err) {
    if (err instanceof RulesSyntaxError) return { live: false, rules: { chains: [] }, sources, error: err.message };
    throw err;
  }
  return { live: false, rules: { chains }, sources };
}

/** The host's packet filter as one rule model: live from the kernel, offline from the persisted files. */
export const firewallFacts = defineFact<FirewallFacts>('firewall', (env) => (env.host.live ? liveRules(env.host) : offlineRules(env.host)));
