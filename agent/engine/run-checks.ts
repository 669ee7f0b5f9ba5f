import { randomUUID } from 'node:crypto';
import type { AgentConfig } from '../config/schema.js';
import { createFacts } from '../facts/index.js';
import type { Host } from '../host/index.js';
import { VERSION } from '../version.js';
import { SecretRegistry } from './redact.js';
import { summarize } from './score.js';
import type { Check, CheckContext, Finding, FindingDraft, Report } from './types.js';
import { applyWaivers } from './waivers.js';

const DEFAULT_CHECK_TIMEOUT_MS = 15_000;

export interface AuditOptions {
  host: Host;
  config: AgentConfig;
  checks: Check[];
  now?: () => Date;
}

class CheckTimeout extends Error {}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CheckTimeout(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

function errorMessage(err: unknown): string {
  if (err instanceof CheckTimeout) return `check ${err.message}`;
  if (err instanceof Error) return err.message;
  return String(err);
}

async function runOne(check: Check, ctx: CheckContext): Promise<FindingDraft[]> {
  try {
    const drafts = await withTimeout(check.run(ctx), check.meta.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS);
    // A check that reports nothing hides whether it looked at all.
    if (drafts.length === 0) return [{ status: 'error', subject: 'check', message: 'the check produced no finding' }];
    return drafts;
  } catch (err) {
    return [{ status: 'error', subject: 'check', message: `could not be evaluated: ${errorMessage(err)}` }];
  }
}

function toFinding(check: Check, d: FindingDraft, secrets: SecretRegistry): Finding {
  const { meta } = check;
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
      summary: flagged ? meta.remediation.summary : '',
    },
    references: meta.references,
  };
}

/** Runs every check concurrently; one broken check never stops the others. */
export async function runAudit(opts: AuditOptions): Promise<Report> {
  const now = opts.now ?? (() => new Date());
  const started = now();
  const t0 = performance.now();
  const secrets = new SecretRegistry();
  const facts = createFacts(opts.host, opts.config, secrets);
  const [identity, results] = await Promise.all([
    opts.host.identity(),
    Promise.all(
      opts.checks.map((check) =>
        runOne(check, {
          host: opts.host,
          facts,
          config: opts.config,
          options: opts.config.checks[check.meta.id] ?? {},
          secrets,
          now: started,
        }),
      ),
    ),
  ]);
  // Redact only once every check has run, so secrets parsed late still count.
  const findings = results.flatMap((drafts, i) => drafts.map((d) => toFinding(opts.checks[i]!, d, secrets)));
  applyWaivers(findings, opts.config.waivers, started);
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
    summary: summarize(findings),
    findings,
  };
}
