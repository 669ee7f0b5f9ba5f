import { randomUUID } from 'node:crypto';
import type { AgentConfig } from '../config/schema.js';
import { createFacts, type Facts } from '../facts/index.js';
import { runnerInventory } from '../facts/inventory.js';
import type { Host } from '../host/index.js';
import { VERSION } from '../version.js';
import { capDrafts, renderOverflow } from './cap.js';
import { SecretRegistry } from './redact.js';
import { summarize } from './score.js';
import type { Check, CheckContext, Finding, FindingDraft, Report, RunnerRecord } from './types.js';
import { applyWaivers } from './waivers.js';

/** `[agent] check_timeout_ms` by default (agent/config/schema.ts): what a check's own timeoutMs is declared against. */
const DEFAULT_CHECK_TIMEOUT_MS = 15_000;

/**
 * A check's budget. `[agent] check_timeout_ms` is that of an ordinary check;
 * a check that walks trees declares a larger one (meta.timeoutMs, at the
 * default setting), which scales with the setting: an operator who halves
 * check_timeout_ms halves every budget, the walkers' too.
 */
export function checkBudgetMs(check: Check, config: AgentConfig): number {
  const base = config.agent.check_timeout_ms;
  if (check.meta.timeoutMs === undefined) return base;
  return Math.max(1, Math.round((check.meta.timeoutMs * base) / DEFAULT_CHECK_TIMEOUT_MS));
}

export interface AuditOptions {
  host: Host;
  config: AgentConfig;
  checks: Check[];
  now?: () => Date;
  /** Facts (and the secrets they found) to share with what runs after the audit: a plan reuses the audit's walks. */
  shared?: { facts: Facts; secrets: SecretRegistry };
}

class CheckTimeout extends Error {}

/** Races the check against its budget; on timeout the controller is aborted, so its walks stop. */
function withTimeout<T>(p: Promise<T>, ms: number, controller: AbortController): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new CheckTimeout(`timed out after ${ms} ms`);
      controller.abort(err);
      reject(err);
    }, ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

function errorMessage(err: unknown): string {
  if (err instanceof CheckTimeout) return `check ${err.message}`;
  if (err instanceof Error) return err.message;
  return String(err);
}

async function runOne(check: Check, ctx: Omit<CheckContext, 'signal'>): Promise<FindingDraft[]> {
  const controller = new AbortController();
  const ms = checkBudgetMs(check, ctx.config);
  try {
    const run = check.run({ ...ctx, facts: ctx.facts.withSignal(controller.signal), signal: controller.signal });
    const drafts = await withTimeout(run, ms, controller);
    // A check that reports nothing hides whether it looked at all.
    if (drafts.length === 0) return [{ status: 'error', subject: 'check', message: 'the check produced no finding' }];
    return capDrafts(drafts, check.meta.severity);
  } catch (err) {
    if (err instanceof CheckTimeout) {
      // Stopped, not finished: what it had not reached yet was not seen.
      return [{ status: 'error', subject: 'check', message: `timed out after ${ms} ms and was stopped: not everything was seen (${check.meta.reads.join('; ')})` }];
    }
    return [{ status: 'error', subject: 'check', message: `could not be evaluated: ${errorMessage(err)}` }];
  }
}

function toFinding(check: Check, draft: FindingDraft, secrets: SecretRegistry): Finding {
  const { meta } = check;
  const d = draft.overflow ? { ...draft, ...renderOverflow(draft.overflow) } : draft;
  const flagged = d.status === 'fail' || d.status === 'warn';
  return {
    check: meta.id,
    title: meta.title,
    severity: d.severity ?? meta.severity,
    status: d.status,
    subject: secrets.redact(d.subject),
    message: secrets.redact(d.message),
    evidence: (d.evidence ?? []).map((e) => secrets.redact(e)),
    remediation: {
      id: meta.remediation.automated ?? null,
      automated: meta.remediation.automated !== undefined,
      summary: flagged ? (d.fix ?? meta.remediation.summary) : '',
    },
    references: meta.references,
  };
}

/**
 * The runners found, for the fleet metrics. Mostly facts the checks loaded
 * already; bounded by an ordinary check's budget, and left out (not empty:
 * "no runner" would be a claim) when it could not be had.
 */
async function inventoryOf(facts: Facts, secrets: SecretRegistry, config: AgentConfig): Promise<RunnerRecord[] | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), config.agent.check_timeout_ms)));
  try {
    return await Promise.race([runnerInventory(facts, secrets).catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs every check concurrently; one broken check never stops the others. */
export async function runAudit(opts: AuditOptions): Promise<Report> {
  const now = opts.now ?? (() => new Date());
  const started = now();
  const t0 = performance.now();
  const secrets = opts.shared?.secrets ?? new SecretRegistry();
  const facts = opts.shared?.facts ?? createFacts(opts.host, opts.config, secrets, started);
  const checkDurationsMs: Record<string, number> = {};
  const [identity, results] = await Promise.all([
    opts.host.identity(),
    Promise.all(
      opts.checks.map(async (check) => {
        const t = performance.now();
        const drafts = await runOne(check, {
          host: opts.host,
          facts,
          config: opts.config,
          options: opts.config.checks[check.meta.id] ?? {},
          secrets,
          now: started,
        });
        checkDurationsMs[check.meta.id] = Math.round(performance.now() - t);
        return drafts;
      }),
    ),
  ]);
  // Redact only once every check has run, so secrets parsed late still count.
  const findings = results.flatMap((drafts, i) => drafts.map((d) => toFinding(opts.checks[i]!, d, secrets)));
  applyWaivers(findings, opts.config.waivers, started);
  const runners = await inventoryOf(facts, secrets, opts.config);
  const finished = now();
  return {
    schema: 'runnerguard/report@1',
    id: randomUUID(),
    agent: { name: 'runnerguard', version: VERSION },
    host: identity,
    target: { root: opts.host.root, live: opts.host.live },
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: Math.round(performance.now() - t0),
    checkDurationsMs,
    summary: summarize(findings),
    findings,
    ...(runners ? { runners } : {}),
  };
}
