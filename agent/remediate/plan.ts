import type { AgentConfig } from '../config/schema.js';
import { SecretRegistry } from '../engine/redact.js';
import { runAudit } from '../engine/run-checks.js';
import type { Check, Finding, Report } from '../engine/types.js';
import { createFacts } from '../facts/index.js';
import type { Host, HostFs } from '../host/index.js';
import { lstatAt, pinOf, SafePathError } from '../host/safe-path.js';
import { withTarget } from './target-fs.js';
import { isRefusal, type Plan, type Refusal, type Remediation, type Step } from './types.js';

export interface PlannedRemediation {
  remediation: Remediation;
  findings: Finding[];
  plans: Plan[];
  refusals: Refusal[];
  /** Why nothing is planned when there is nothing to plan: the check passes, is skipped or waived. */
  idle?: string;
}

/** What the check said when no finding asks for a change. */
function idleReason(report: Report, id: string): string {
  const own = report.findings.filter((f) => f.check === id);
  if (own.length === 0) return 'the check did not run';
  if (own.every((f) => f.status === 'pass')) return 'the check passes';
  const waived = own.filter((f) => f.waived);
  if (waived.length > 0) return `waived: ${waived[0]!.waived!.reason}`;
  const skip = own.find((f) => f.status === 'skip');
  if (skip) return `the check is skipped: ${skip.message}`;
  return 'the check passes';
}

/**
 * The host as the steps planned so far will leave it: later remediations
 * plan their edits of a file on the text the earlier ones produce, so one
 * run's edits of config.toml chain instead of conflicting.
 */
function overlaid(host: Host, overlay: Map<string, string>): Host {
  const fs: HostFs = Object.create(host.fs);
  fs.readFile = async (p, o) => (overlay.has(p) ? Buffer.from(overlay.get(p)!) : host.fs.readFile(p, o));
  fs.readText = async (p, o) => (overlay.has(p) ? overlay.get(p)! : host.fs.readText(p, o));
  return Object.assign(Object.create(host), { fs });
}

/** Findings a remediation acts on: failing or warning, not waived. */
export function actionable(report: Report, id: string): Finding[] {
  return report.findings.filter((f) => f.check === id && (f.status === 'fail' || f.status === 'warn') && !f.waived);
}

/**
 * Audits the checks behind `remediations`, then asks each remediation for its
 * plan against the failing findings. Reads only; changes nothing.
 */
export async function planRemediations(opts: { host: Host; config: AgentConfig; checks: Check[]; remediations: Remediation[]; stateDir: string; now?: Date }): Promise<{ report: Report; planned: PlannedRemediation[] }> {
  const ids = new Set(opts.remediations.map((r) => r.meta.id));
  // One set of facts for the audit and the plans: the plans act on what the findings saw, and the build dirs are walked once.
  const secrets = new SecretRegistry();
  const facts = createFacts(opts.host, opts.config, secrets, opts.now);
  const report = await runAudit({ host: opts.host, config: opts.config, checks: opts.checks.filter((c) => ids.has(c.meta.id)), shared: { facts, secrets } });
  const planned: PlannedRemediation[] = [];
  const overlay = new Map<string, string>();
  const host = overlaid(opts.host, overlay);
  const nftPlanned = new Map<string, string>();
  const pinState: PinState = { written: new Set(), owners: new Map() };
  for (const r of opts.remediations) {
    const findings = actionable(report, r.meta.id);
    if (findings.length === 0) {
      // A check that could not decide is not a pass: nothing is planned blind, and that is said.
      const errors = report.findings.filter((f) => f.check === r.meta.id && f.status === 'error' && !f.waived);
      const refusals = errors.map((f) => ({ remediation: r.meta.id, subject: f.subject, reason: `the check could not decide (${f.message}): nothing is planned without a verdict` }));
      planned.push({ remediation: r, findings, plans: [], refusals, ...(refusals.length ? {} : { idle: idleReason(report, r.meta.id) }) });
      continue;
    }
    const ctx = { host, facts, config: opts.config, options: opts.config.checks[r.meta.id] ?? {}, secrets, now: opts.now ?? new Date(), stateDir: opts.stateDir, nftPlanned };
    let out: Array<Plan | Refusal>;
    try {
      out = await r.plan(ctx, findings);
    } catch (err) {
      out = [{ remediation: r.meta.id, subject: 'plan', reason: `could not plan: ${(err as Error).message}` }];
    }
    const pinned = await pinPlans(opts.host, out.filter((p): p is Plan => !isRefusal(p) && p.steps.length > 0), pinState);
    out = [...out.filter(isRefusal), ...pinned.refusals];
    const plans = pinned.plans;
    for (const step of plans.flatMap((p) => p.steps)) {
      if (step.op === 'editFile') overlay.set(step.path, step.after);
      if (step.op === 'writeFile') overlay.set(step.path, step.content);
      if (step.op === 'nftTable') nftPlanned.set(`${step.family} ${step.table}`, step.text);
    }
    planned.push({ remediation: r, findings, plans, refusals: out.filter(isRefusal) });
  }
  return { report, planned };
}

/** Steps acting on an existing target: its identity is recorded now and checked again when applied and rolled back. */
const PINNED: ReadonlySet<Step['op']> = new Set(['chmod', 'chown', 'editFile', 'quarantine', 'removeTree']);

/**
 * Pins every target through the safe-path layer as the plan is made. A plan
 * whose target can only be reached through a link a non-root user could make
 * or swap is refused here, with the reason, rather than at apply time. A file
 * an earlier step of this run rewrites (a new inode) is not pinned: its edit
 * is rebased on its text instead.
 */
/** What the steps planned so far in a run will have done to their targets. */
interface PinState {
  /** Paths rewritten (a new inode from then on). */
  written: Set<string>;
  /** Paths chowned, and to whom. */
  owners: Map<string, number>;
}

async function pinPlans(host: Host, plans: Plan[], { written, owners }: PinState): Promise<{ plans: Plan[]; refusals: Refusal[] }> {
  const out: Plan[] = [];
  const refusals: Refusal[] = [];
  const statOf = (p: string) =>
    withTarget(host, p, (loc) => lstatAt(loc)).catch((err: unknown) => {
      if (err instanceof SafePathError && err.code === 'ENOENT') return null; // a drop-in's dir made by the step
      throw err;
    });
  for (const plan of plans) {
    try {
      const steps: Step[] = [];
      for (const step of plan.steps) {
        if (!('path' in step) || written.has(step.path)) {
          steps.push(step);
          continue;
        }
        const st = await statOf(step.path);
        const pin = st ? { ...pinOf(st), uid: owners.get(step.path) ?? st.uid } : undefined;
        steps.push(PINNED.has(step.op) && pin && !('pin' in step && step.pin) ? ({ ...step, pin } as Step) : step);
        if (step.op === 'chown') owners.set(step.path, step.uid); // a later step of the plan finds it so
        if (step.op === 'editFile' || step.op === 'writeFile') written.add(step.path); // a new inode from here on
      }
      out.push({ ...plan, steps });
    } catch (err) {
      refusals.push({ remediation: plan.remediation, subject: plan.subject, reason: err instanceof SafePathError ? err.message : `could not reach its target: ${(err as Error).message}` });
    }
  }
  return { plans: out, refusals };
}
