import path from 'node:path';
import type { AgentConfig } from '../config/schema.js';
import { ensureRootDir, rootControlled, TrustError } from '../host/trust.js';

/** A path runnerguard would refuse to use, and why (agent/host/trust.ts). */
export interface TrustProblem {
  what: string;
  path: string;
  reason: string;
}

/**
 * What runnerguard keeps in the state dir. Each must be root-controlled when
 * it exists: a state dir once owned by someone else may still hold what they
 * left (a forged journal, a planted lock, a link among the spooled reports).
 */
const STATE_ENTRIES: Array<[name: string, what: string]> = [
  ['run.lock', 'run.lock'],
  ['journal', 'journal'],
  ['quarantine', 'quarantine'],
  ['spool', 'spool'],
  ['spool/rejected', 'spool'],
  ['last-report.json', 'last report'],
  ['reports-dropped', 'spool counter'],
  ['rejected-dropped', 'spool counter'],
  ['delivery-failed', 'delivery state'],
  ['egress.nft', 'egress boot script'],
];

/** The credential files of `[report]`, as configured. */
function deliveryFiles(config: AgentConfig): Array<[what: string, file: string]> {
  const r = config.report;
  return (['token_file', 'ca_file', 'cert_file', 'key_file'] as const).filter((k) => r[k]).map((k) => [k, r[k]!]);
}

/**
 * Every trust problem of the paths a command would use: the state dir and
 * what it holds, and with `delivery` the credential files. A path that does
 * not exist is no problem here when everything above it is root-controlled
 * (the state dir is made then; a missing credential is delivery's own error).
 */
export async function trustProblems(config: AgentConfig, o: { delivery: boolean }): Promise<TrustProblem[]> {
  const out: TrustProblem[] = [];
  const check = async (what: string, p: string): Promise<boolean> => {
    const t = await rootControlled(p);
    if (!t.ok && !t.missing) out.push({ what, path: p, reason: t.reason });
    return t.ok;
  };
  const dir = config.agent.state_dir;
  if (await check('state_dir', dir)) {
    for (const [name, what] of STATE_ENTRIES) await check(what, path.join(dir, name));
  }
  if (o.delivery) for (const [what, file] of deliveryFiles(config)) await check(what, file);
  return out;
}

/**
 * Before a command touches its state: the state dir made (0700 root) when
 * missing, and every path it will use root-controlled, or a TrustError
 * (exit 2) naming the path and the reason. Nothing is read, locked or sent
 * before this passed.
 */
export async function requireTrusted(config: AgentConfig, o: { delivery: boolean }): Promise<string> {
  await refuseUntrusted(config, o);
  return ensureRootDir(config.agent.state_dir, 'state_dir');
}

/**
 * The same refusal without making anything: for a plan, which writes nothing
 * anywhere. A missing state dir is fine then; one someone else controls is
 * not (the plan reads what it holds, e.g. the egress boot script).
 */
export async function refuseUntrusted(config: AgentConfig, o: { delivery: boolean }): Promise<void> {
  const first = (await trustProblems(config, o))[0];
  if (first) throw new TrustError('EUNTRUSTED', first.path, first.what, first.reason);
}
