import path from 'node:path';
import { egressTargets } from '../../checks/network/targets.js';
import { DEFAULT_STATE_DIR } from '../../agent/config/schema.js';
import { githubFacts } from '../../agent/facts/github.js';
import { gitlabFacts } from '../../agent/facts/gitlab.js';
import { nftReplaceScript } from '../../agent/remediate/steps.js';
import type { Plan, PlanContext, Refusal, Step } from '../../agent/remediate/types.js';
import { dnsResolve, resolvers, urlEndpoint, type Resolve, type Wanted } from './egress-destinations.js';
import { designTable, type EgressInputs } from './egress-design.js';
import { FAMILY, TABLE, tableState, upToDate, type Part } from './egress-table.js';

export const SUBJECT = `table ${FAMILY} ${TABLE}`;
/**
 * The table as `nft -f` loads it, kept in the state dir: runnerguard-egress.service
 * (packaging/systemd) loads it at boot, before the network and the runner start.
 */
export const BOOT_FILE = 'egress.nft';
const TIMEOUT_MS = 10_000;

/** The URLs the host's runners and the agent itself must keep reaching. */
async function requiredEndpoints(ctx: PlanContext): Promise<Wanted[]> {
  const [gitlab, github] = await Promise.all([ctx.facts.get(gitlabFacts), ctx.facts.get(githubFacts)]);
  const out: Wanted[] = [];
  const add = (url: unknown, why: string) => {
    const w = typeof url === 'string' ? urlEndpoint(url, why) : null;
    if (w) out.push(w);
  };
  if (gitlab?.config.ok) for (const r of gitlab.config.runners) add(r.raw.url, `GitLab (${r.subject})`);
  // .runner names the GitHub instance and the Actions service it polls.
  for (const r of github) for (const key of ['gitHubUrl', 'serverUrl', 'serverUrlV2']) add(r.settings?.[key], `GitHub ${key} (${r.subject})`);
  add(ctx.config.report.url, 'collector [report] url');
  return out;
}

/**
 * Reads what the table must serve. Runner accounts that cannot be filtered
 * (root, unknown) become refusals for their subject; the rest still gets its table.
 */
export async function gatherInputs(ctx: PlanContext): Promise<{ inputs: EgressInputs; refusals: Array<{ subject: string; reason: string }> } | null> {
  const targets = await egressTargets(ctx);
  if (!targets.runnerFound) return null;
  const refusals: Array<{ subject: string; reason: string }> = [];
  const users: EgressInputs['users'] = [];
  for (const u of targets.users) {
    if (u.uid === undefined) refusals.push({ subject: u.subject, reason: u.error ?? `${u.name} has no uid` });
    else if (u.uid === 0) refusals.push({ subject: u.subject, reason: `the runner runs as root (${u.why.join('; ')}): an owner match on uid 0 would filter all of root's traffic; run it as its own user` });
    else if (!users.some((x) => x.uid === u.uid)) users.push({ name: u.name, uid: u.uid });
  }
  const ifaces = [...new Set((targets.containers?.bridges ?? []).map((b) => (b.iif.startsWith('br-') ? 'br-*' : b.iif)))].sort();
  const resolvConf = await ctx.host.fs.readText('/etc/resolv.conf', { maxBytes: 1024 * 1024 }).catch(() => '');
  const inputs: EgressInputs = { users, ifaces, required: await requiredEndpoints(ctx), resolvers: resolvers(resolvConf), allow: ctx.config.egress.allow };
  return { inputs, refusals };
}

/** Our table as loaded now (text), or as an earlier remediation of this run will load it; null when there is none. */
async function currentTable(ctx: PlanContext): Promise<{ text: string | null; planned?: true } | { error: string }> {
  const planned = ctx.nftPlanned?.get(`${FAMILY} ${TABLE}`);
  if (planned) return { text: planned, planned: true };
  const r = await ctx.host.exec(['nft', 'list', 'table', FAMILY, TABLE], { timeoutMs: TIMEOUT_MS });
  if (r.failure === 'not-found') return { error: 'nft (nftables) is not installed: the egress table cannot be loaded' };
  if (r.failure) return { error: `nft list table ${FAMILY} ${TABLE}: ${r.message ?? r.failure}` };
  if (r.exitCode === 0) return { text: r.stdout };
  // "No such file or directory": no table yet. Anything else (no nf_tables in the kernel, no permission) stops here.
  if (/No such file or directory/.test(r.stderr)) return { text: null };
  return { error: `nft list table ${FAMILY} ${TABLE}: exit ${r.exitCode}: ${r.stderr.trim().split('\n')[0] ?? ''}` };
}

/**
 * The plan of RG-NET-001 (parts egress+metadata) and RG-NET-002 (metadata):
 * one table, `inet runnerguard`, loaded whole with `nft -f`. A part already in
 * the loaded table is kept, so RG-NET-002 never strips RG-NET-001's allow-list.
 */
export async function planEgress(ctx: PlanContext, id: string, own: Part[], resolve: Resolve = dnsResolve): Promise<Array<Plan | Refusal>> {
  const refuse = (subject: string, reason: string): Refusal => ({ remediation: id, subject, reason });
  if (!ctx.host.live) {
    return [
      refuse(
        SUBJECT,
        `nftables tables live in the running kernel, so ${id} is applied on a live host only (not with --root ${ctx.host.root}); enable it in [remediations] enable so every scheduled run (after a boot too) loads the table again`,
      ),
    ];
  }
  const gathered = await gatherInputs(ctx);
  if (!gathered) return [];
  const out: Array<Plan | Refusal> = gathered.refusals.map((r) => refuse(r.subject, r.reason));
  const { inputs } = gathered;
  if (inputs.users.length === 0 && inputs.ifaces.length === 0) return out;
  const loaded = await currentTable(ctx);
  if ('error' in loaded) return [...out, refuse(SUBJECT, loaded.error)];
  const current = loaded.text;
  const parts: Part[] = [...new Set<Part>([...own, ...(current ? tableState(current).parts : [])])];
  const design = await designTable(inputs, parts, resolve);
  if (!design.ok) return [...out, ...design.reasons.map((r) => refuse(SUBJECT, `lockout guard: ${r}`))];
  const steps: Step[] = [];
  if (!(current && upToDate(design.text, current))) steps.push({ op: 'nftTable', family: FAMILY, table: TABLE, text: design.text });
  // The boot copy: what an earlier remediation of this run plans to load, it also saves.
  const bootFile = path.join(ctx.stateDir, BOOT_FILE);
  const script = nftReplaceScript(FAMILY, TABLE, design.text);
  const saved = loaded.planned ? script : await ctx.host.fs.readText(bootFile, { maxBytes: 1024 * 1024 }).catch(() => null);
  if (saved !== script) {
    const shownAs = `${steps.length ? 'the table above' : 'the loaded table'}, as the nft -f script runnerguard-egress.service loads at boot`;
    steps.push({ op: 'writeFile', path: bootFile, content: script, mode: 0o600, uid: 0, gid: 0, shownAs });
  }
  if (steps.length === 0) return out;
  // The packaged boot unit reads the default state dir only (packaging/README.md).
  const unitReads = path.join(DEFAULT_STATE_DIR, BOOT_FILE);
  const summary = bootFile === unitReads ? design.summary : `${design.summary}; at boot, runnerguard-egress.service loads ${unitReads}, not ${bootFile}: point it at [agent] state_dir with a drop-in`;
  return [...out, { remediation: id, subject: SUBJECT, summary, steps }];
}
