/**
 * Bundled by audit-enable-boot.test.ts and run inside the booted container
 * with Debian's node: the remediation engine on the live host, below the CLI.
 * `runnerguard fix` never reaches RG-AUDIT-001's plan there (the check skips:
 * no auditd can run in a container), so this drives the same code the CLI
 * would: the remediation's own plan() for a failing finding, applyPlans()
 * (journal in /var/lib/runnerguard, as the CLI's), and the serviceEnable step
 * for a unit that can run. `runnerguard rollback` undoes what it applied.
 *
 *   node driver.mjs plan               RG-AUDIT-001's plan on this host (JSON)
 *   node driver.mjs apply-audit        that plan applied (ApplyResult JSON)
 *   node driver.mjs apply-unit UNIT    { op: serviceEnable, unit: UNIT, wantedBy: multi-user.target } applied
 *   node driver.mjs rollback           the latest run rolled back here, where the probe remediation is defined
 *
 * The probe is a remediation of this driver's own (rg-probe.service only): the
 * CLI does not know it, so its rollback refuses the probe's journal entry.
 */
import { defaultConfig } from '../../agent/config/schema.js';
import { SecretRegistry } from '../../agent/engine/redact.js';
import type { Finding } from '../../agent/engine/types.js';
import { createFacts } from '../../agent/facts/index.js';
import { createHost } from '../../agent/host/index.js';
import { applyPlans } from '../../agent/remediate/apply.js';
import { rollbackRun } from '../../agent/remediate/rollback.js';
import { defineRemediation, type Plan, type Refusal } from '../../agent/remediate/types.js';
import auditdEnabled from '../../remediations/audit/auditd-enabled.js';

const STATE_DIR = '/var/lib/runnerguard';

defineRemediation({
  meta: { id: 'serviceEnable-probe', title: 'probe', impact: 'none', restartsService: true, touches: [{ op: 'serviceEnable', unit: /^rg-probe\.service$/ }] },
  plan: async () => [],
});

async function auditPlan(): Promise<Array<Plan | Refusal>> {
  const host = createHost();
  const config = defaultConfig();
  const secrets = new SecretRegistry();
  const ctx = { host, facts: createFacts(host, config, secrets), config, options: {}, secrets, now: new Date(), stateDir: STATE_DIR };
  // What the check said on a host where auditctl works but auditd is down.
  const finding: Finding = {
    check: 'RG-AUDIT-001',
    title: 'Audit daemon enabled',
    severity: 'medium',
    status: 'fail',
    subject: 'auditd',
    message: 'auditd is installed but auditd is not running',
    evidence: [],
    references: [],
    remediation: { id: 'RG-AUDIT-001', automated: true, summary: '' },
  };
  return auditdEnabled.plan(ctx, [finding]);
}

const [cmd, arg] = process.argv.slice(2);
let out: unknown;
if (cmd === 'plan') out = await auditPlan();
else if (cmd === 'apply-audit') out = await applyPlans(createHost(), (await auditPlan()).filter((p): p is Plan => 'steps' in p), STATE_DIR);
else if (cmd === 'apply-unit' && arg) {
  out = await applyPlans(createHost(), [{ remediation: 'serviceEnable-probe', subject: arg, summary: `systemctl enable --now ${arg}`, steps: [{ op: 'serviceEnable', unit: arg, wantedBy: 'multi-user.target' }] }], STATE_DIR);
} else if (cmd === 'rollback') out = await rollbackRun(createHost(), STATE_DIR);
else {
  process.stderr.write('usage: driver.mjs plan | apply-audit | apply-unit UNIT | rollback\n');
  process.exit(2);
}
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
