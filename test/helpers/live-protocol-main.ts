// Runs inside a private mount namespace (see live-protocol.ts): the remediation
// protocol against the LIVE host, whose config dirs the namespace has replaced
// with fixture copies. Prints one JSON document; the test asserts on it.
import { execFileSync } from 'node:child_process';
import { CATALOGUE } from '../../checks/index.js';
import { runAudit } from '../../agent/engine/run-checks.js';
import { createHost } from '../../agent/host/index.js';
import { applyPlans } from '../../agent/remediate/apply.js';
import { planRemediations } from '../../agent/remediate/plan.js';
import { renderPlans } from '../../agent/remediate/render.js';
import { rollbackRun } from '../../agent/remediate/rollback.js';
import type { Remediation } from '../../agent/remediate/types.js';
import { defaultConfig } from '../../agent/config/schema.js';

const [modulePath, stateDir, probesJson] = process.argv.slice(2);
const remediation = ((await import(modulePath!)) as { default: Remediation }).default;
const probes = JSON.parse(probesJson ?? '[]') as string[][];
const config = defaultConfig();
config.agent.state_dir = stateDir!;
const check = CATALOGUE.find((c) => c.meta.id === remediation.meta.id)!;
const probe = () => probes.map((argv) => execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8' }));
const findings = async () => (await runAudit({ host: createHost(), config, checks: [check] })).findings.map((f) => ({ subject: f.subject, status: f.status, message: f.message }));
const plan = async () => (await planRemediations({ host: createHost(), config, checks: CATALOGUE, remediations: [remediation], stateDir: stateDir! })).planned[0]!;

const out: Record<string, unknown> = {};
const planned = await plan();
out.before = planned.findings.map((f) => ({ subject: f.subject, status: f.status, message: f.message }));
out.plans = planned.plans;
out.refusals = planned.refusals;
out.text = await renderPlans(createHost(), [planned]);
if (planned.plans.length) {
  const applied = await applyPlans(createHost(), planned.plans, stateDir!);
  out.apply = { status: applied.status, error: applied.error, steps: applied.steps.map((s) => ({ op: s.step.op, state: s.state, note: s.note })) };
  out.probeApplied = probe();
  out.after = await findings();
  out.again = (await plan()).plans;
  if (applied.status === 'applied') {
    const rb = await rollbackRun(createHost(), stateDir!, applied.runId);
    out.rollback = rb.entries.map((e) => ({ op: e.step.op, state: e.state, note: e.note }));
  }
  out.probeRolledBack = probe();
  out.final = await findings();
}
process.stdout.write(JSON.stringify(out));
