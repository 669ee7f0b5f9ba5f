// Runs inside the network + mount namespace of netns/egress-scenario.sh: applies RG-NET-002,
// then RG-NET-001, to the LIVE (namespaced) kernel, probes with real connections after each
// phase, audits, re-plans, and rolls back both runs. Prints one JSON document; the test asserts.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CATALOGUE, checkOptionSchemas } from '../../../checks/index.js';
import { parseConfig } from '../../../agent/config/load.js';
import { SecretRegistry } from '../../../agent/engine/redact.js';
import { runAudit } from '../../../agent/engine/run-checks.js';
import { createFacts } from '../../../agent/facts/index.js';
import { createHost } from '../../../agent/host/index.js';
import { applyPlans } from '../../../agent/remediate/apply.js';
import { planRemediations } from '../../../agent/remediate/plan.js';
import { renderPlans } from '../../../agent/remediate/render.js';
import { rollbackRun } from '../../../agent/remediate/rollback.js';
import type { Remediation } from '../../../agent/remediate/types.js';
import { egressDefaultDeny, metadataBlocked } from '../../../remediations/network/egress.js';

const cfgPath = process.argv[2]!;
const config = parseConfig(readFileSync(cfgPath, 'utf8'), cfgPath, checkOptionSchemas());
const stateDir = config.agent.state_dir;
const { CT0, CT1, CONNECT } = process.env as Record<string, string>;
const node = process.execPath;

/** "who host port" → open / rejected / dropped, as the kernel decided. */
const PROBES = [
  'uid:998 203.0.113.10 443', // GitLab URL
  'uid:998 203.0.113.20 5000', // [egress] allow registry.test:5000 (via /etc/hosts)
  'uid:998 203.0.113.53 53', // the resolver of resolv.conf (tcp)
  'uid:998 203.0.113.10 8080', // not allowed
  'uid:998 169.254.169.254 80', // metadata
  'uid:0 203.0.113.10 8080', // root: untouched
  'uid:0 169.254.169.254 80',
  'uid:1234 203.0.113.10 8080', // another user: untouched
  'ct0 203.0.113.10 443',
  'ct0 203.0.113.10 8080',
  'ct1 203.0.113.20 5000',
  'ct1 203.0.113.10 8080',
  'ct1 169.254.169.254 80',
];

function probe(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of PROBES) {
    const [who, host, port] = p.split(' ') as [string, string, string];
    const cmd = who.startsWith('uid:')
      ? ['setpriv', '--reuid', who.slice(4), '--regid', who.slice(4), '--clear-groups', node, CONNECT, host, port]
      : ['nsenter', `--net=/proc/${who === 'ct0' ? CT0 : CT1}/ns/net`, node, CONNECT, host, port];
    out[p] = execFileSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8' }).trim();
  }
  return out;
}

const checks = CATALOGUE.filter((c) => c.meta.id === 'RG-NET-001' || c.meta.id === 'RG-NET-002');
async function audit(): Promise<string[]> {
  const r = await runAudit({ host: createHost(), config, checks });
  return r.findings.map((f) => `${f.check} ${f.subject} ${f.status}`);
}

const plan = async (rs: Remediation[], cfg = config) => (await planRemediations({ host: createHost(), config: cfg, checks: CATALOGUE, remediations: rs, stateDir })).planned;
const table = () => {
  const r = spawnSync('nft', ['list', 'table', 'inet', 'runnerguard'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout : null;
};

/** The boot copy runnerguard-egress.service loads (null: none). */
const boot = () => (existsSync(path.join(stateDir, 'egress.nft')) ? readFileSync(path.join(stateDir, 'egress.nft'), 'utf8') : null);

const out: Record<string, unknown> = {};
out.before = { probes: probe(), audit: await audit() };

// 0. The lockout guard on the live host: a collector on the metadata address would be cut off.
const badConfig = parseConfig(readFileSync(cfgPath, 'utf8').replace(/^url = .*$/m, 'url = "http://169.254.169.254/v1/reports"'), cfgPath, checkOptionSchemas());
out.guard = (await plan([egressDefaultDeny], badConfig)).map((p) => ({ plans: p.plans.length, refusals: p.refusals }));

// 1. RG-NET-002 alone: only the metadata rejects.
const p2 = await plan([metadataBlocked]);
out.plan002 = { text: await renderPlans(createHost(), p2), refusals: p2.flatMap((p) => p.refusals) };
const runA = await applyPlans(createHost(), p2.flatMap((p) => p.plans), stateDir);
out.apply002 = { status: runA.status, error: runA.error };
out.after002 = { probes: probe(), audit: await audit(), table: table(), boot: boot() };

// 2. RG-NET-001: the whole table (it keeps the metadata rejects).
const p1 = await plan([egressDefaultDeny]);
out.plan001 = { text: await renderPlans(createHost(), p1), refusals: p1.flatMap((p) => p.refusals), steps: p1.flatMap((p) => p.plans.flatMap((x) => x.steps)) };
const runB = await applyPlans(createHost(), p1.flatMap((p) => p.plans), stateDir);
out.apply001 = { status: runB.status, error: runB.error };
out.after001 = { probes: probe(), audit: await audit(), table: table(), boot: boot() };

// 2b. A reboot, as far as the kernel sees it: the table gone, then the boot copy loaded as the unit does (nft -f FILE).
execFileSync('nft', ['delete', 'table', 'inet', 'runnerguard']);
const gone = { probes: probe(), audit: await audit() };
execFileSync('nft', ['-f', path.join(stateDir, 'egress.nft')]);
out.reboot = { gone, probes: probe(), audit: await audit(), head: table()?.split('\n')[1] };

// 3. Again: nothing to do, whether the checks pass (no findings) or the planner is asked anyway (table hash).
out.again = (await plan([egressDefaultDeny, metadataBlocked])).map((p) => ({ id: p.remediation.meta.id, findings: p.findings.length, plans: p.plans.length, refusals: p.refusals }));
const host = createHost();
const secrets = new SecretRegistry();
const ctx = { host, facts: createFacts(host, config, secrets), config, options: {}, secrets, now: new Date(), stateDir };
out.forced = [await egressDefaultDeny.plan(ctx, []), await metadataBlocked.plan(ctx, [])];

// 4. Roll back RG-NET-001's run (the metadata-only table comes back), then RG-NET-002's (no table).
const rbB = await rollbackRun(createHost(), stateDir, runB.runId);
out.rollback001 = { notes: rbB.entries.map((e) => `${e.state} ${e.note ?? ''}`), probes: probe(), audit: await audit(), table: table(), boot: boot() };
const rbA = await rollbackRun(createHost(), stateDir, runA.runId);
out.rollback002 = { notes: rbA.entries.map((e) => `${e.state} ${e.note ?? ''}`), probes: probe(), audit: await audit(), table: table(), boot: boot() };

// 5. Both named in one run (fix --apply RG-NET-001 RG-NET-002): RG-NET-002 plans on the table RG-NET-001 will load, so it has nothing to add.
const both = await plan([egressDefaultDeny, metadataBlocked]);
const runC = await applyPlans(createHost(), both.flatMap((p) => p.plans), stateDir);
out.both = { plans: both.map((p) => `${p.remediation.meta.id} ${p.plans.length}`), status: runC.status, head: table()?.split('\n')[1], bootHead: boot()?.split('\n')[3] };
await rollbackRun(createHost(), stateDir, runC.runId);
out.bootAfterAll = boot();
out.tables = execFileSync('nft', ['list', 'tables'], { encoding: 'utf8' });
process.stdout.write(JSON.stringify(out));
