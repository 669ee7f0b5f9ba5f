import path from 'node:path';
import type { Logger } from 'pino';
import { CATALOGUE } from '../../../checks/index.js';
import { remediationFor } from '../../../remediations/index.js';
import type { AgentConfig } from '../../config/schema.js';
import { drainSpool, type DrainResult } from '../../delivery/drain.js';
import { acquireLock, LockBusy } from '../../delivery/lock.js';
import { createTransport, DeliveryConfigError } from '../../delivery/send.js';
import { recordDelivery, type DeliveryOutcome } from '../../delivery/health.js';
import { Spool } from '../../delivery/spool.js';
import { runAudit } from '../../engine/run-checks.js';
import type { Check, Report } from '../../engine/types.js';
import { createHost, type Host } from '../../host/index.js';
import { createLogger } from '../../log.js';
import { applyPlans } from '../../remediate/apply.js';
import { planRemediations } from '../../remediate/plan.js';
import { stepTitle } from '../../remediate/render.js';
import type { Remediation } from '../../remediate/types.js';
import { jsonSafe, term } from '../../report/neutralize.js';
import { formatPrometheus } from '../../report/prometheus.js';
import { atomicWrite } from '../../util/atomic-write.js';
import { writeLiveFile } from '../../host/target-ops.js';
import { COMMON, idList, parse, UsageError } from '../args.js';
import { loadAgentConfig } from '../config.js';
import { metricsOptions } from '../metrics.js';
import { requireTrusted } from '../trusted-paths.js';
import { selectChecks } from '../select.js';
import { exitCodeFor } from './audit.js';

/** The state dir, made root-only when missing; with the credential files, refused (exit 2) unless root-controlled. */
async function stateDir(config: AgentConfig): Promise<string> {
  await requireTrusted(config, { delivery: Boolean(config.report.url) });
  return config.agent.state_dir;
}

/** Delivers the spool; a delivery problem is logged, never fatal: the reports stay spooled. */
export async function deliverSpool(config: AgentConfig, spool: Spool, log: Logger, splay: boolean): Promise<DrainResult | null> {
  if (!config.report.url) return null;
  let transport;
  try {
    transport = await createTransport(config.report);
  } catch (err) {
    if (!(err instanceof DeliveryConfigError)) throw err;
    log.error({ error: err.message }, 'delivery is misconfigured; reports stay spooled');
    return { delivered: 0, rejected: 0, remaining: (await spool.list()).length, untrusted: 0, requests: 0, lastError: err.message };
  }
  try {
    const r = config.report;
    // Counted as it happens (health.ts): a cycle killed mid-drain still leaves the counts right.
    const onOutcome = (o: DeliveryOutcome) => recordDelivery(config.agent.state_dir, o).catch((err: Error) => log.warn({ error: err.message }, 'delivery record not updated'));
    return await drainSpool(spool, transport, { splayMaxMs: splay ? r.splay_max_ms : 0, maxAttempts: r.max_attempts, retryBaseMs: r.retry_base_ms, retryMaxMs: r.retry_max_ms, log, onOutcome });
  } finally {
    transport.agent.destroy();
  }
}

/** The spool of the state dir, with spool/rejected/ held to the config's bounds. */
export function spoolOf(config: AgentConfig, dir: string): Spool {
  return new Spool(dir, { maxReports: config.report.rejected_max_reports, maxBytes: config.report.rejected_max_bytes });
}

/** The textfile, 0644: node_exporter reads it as its own user (prometheus). */
async function writeMetrics(config: AgentConfig, report: Report, log: Logger): Promise<void> {
  if (!config.metrics.textfile) return;
  const text = formatPrometheus(report, await metricsOptions(config, log));
  await writeLiveFile(config.metrics.textfile, text, 0o644);
}

async function withRunLock<T>(dir: string, waitMs: number, what: string, fn: () => Promise<T>): Promise<T> {
  let release;
  try {
    release = await acquireLock(dir, waitMs, what);
  } catch (err) {
    if (err instanceof LockBusy) throw new UsageError(`${err.message}; not starting a second one`);
    throw err;
  }
  try {
    return await fn();
  } finally {
    await release();
  }
}

/** What one cycle needs, already parsed and loaded (the daemon keeps these between cycles). */
export interface CycleOptions {
  config: AgentConfig;
  checks: Check[];
  /** --root: an offline target instead of this host. */
  root?: string;
  log: Logger;
}

/**
 * The remediations enabled in config (`[remediations] enable`), planned and
 * applied as `fix --apply` would, under the run lock this cycle already holds.
 * Refusals and a failed (undone) run are logged, never fatal: the audit goes
 * on. True when the host may have changed.
 */
async function remediateEnabled(host: Host, config: AgentConfig, dir: string, log: Logger): Promise<boolean> {
  const remediations: Remediation[] = [];
  for (const id of config.remediations.enable) {
    const r = remediationFor(id);
    if (r) remediations.push(r);
    else log.error({ remediation: id }, 'remediations.enable names no automated remediation: ignored');
  }
  if (remediations.length === 0) return false;
  const { planned } = await planRemediations({ host, config, checks: CATALOGUE, remediations, stateDir: dir });
  for (const p of planned) {
    for (const r of p.refusals) log.warn({ remediation: r.remediation, subject: r.subject, reason: r.reason }, 'remediation refused');
  }
  const plans = planned.flatMap((p) => p.plans);
  if (plans.length === 0) {
    log.debug({ enabled: config.remediations.enable }, 'remediations: nothing to do');
    return false;
  }
  const result = await applyPlans(host, plans, dir);
  for (const s of result.steps) {
    log.info({ remediation: s.remediation, subject: s.subject, state: s.state, step: await stepTitle(host, s.step), note: s.note, runId: result.runId }, 'remediation step');
  }
  if (result.status === 'failed') {
    log.error({ runId: result.runId, error: result.error, journal: result.journalDir }, 'remediation run failed and was undone');
  } else {
    log.info({ runId: result.runId, remediations: [...new Set(plans.map((p) => p.remediation))], undo: `runnerguard rollback ${result.runId}` }, 'remediations applied');
  }
  return true;
}

/**
 * One scheduled cycle: audit, the remediations enabled in config (then the
 * audit again), the last report saved (0600), the report spooled
 * before any network I/O (so a kill never loses it), the spool delivered
 * oldest first, the metrics textfile written. The exit code is the audit's.
 * Shared by `runnerguard run` and every tick of `runnerguard daemon`.
 */
export async function cycle({ config, checks, root, log }: CycleOptions): Promise<number> {
  const dir = await stateDir(config);
  return withRunLock(dir, config.agent.lock_wait_ms, 'runnerguard run', async () => {
    const host = createHost({ root });
    let report = await runAudit({ host, config, checks });
    // The report then says how the host is after the changes, not before.
    let changed = false;
    try {
      changed = await remediateEnabled(host, config, dir, log);
    } catch (err) {
      // The audit must still be saved and delivered: a remediation problem is logged, not fatal.
      changed = true;
      log.error({ error: (err as Error).message }, 'remediations could not run');
    }
    // A fresh host: the first one has cached what it read (users and groups) before the changes.
    if (changed) report = await runAudit({ host: createHost({ root }), config, checks });
    // Lossless, and nothing a terminal acts on if someone cats last-report.json.
    const json = jsonSafe(JSON.stringify(report));
    await atomicWrite(path.join(dir, 'last-report.json'), json + '\n', { mode: 0o600 });
    const spool = spoolOf(config, dir);
    if (config.report.url) {
      await spool.add(report.id, json);
      for (const d of await spool.enforce({ maxReports: config.report.spool_max_reports, maxBytes: config.report.spool_max_bytes })) {
        log.warn({ dropped: d.name }, 'spool full: dropped the oldest report');
      }
      // Also when the bounds were lowered since the last rejection.
      for (const d of await spool.enforceRejected()) log.warn({ dropped: d.name }, 'spool/rejected full: dropped the oldest rejected report');
    }
    const delivery = await deliverSpool(config, spool, log, true);
    await writeMetrics(config, report, log);
    log.info({ id: report.id, summary: report.summary, delivery }, 'run finished');
    return exitCodeFor(report, 'low');
  });
}

/** `runnerguard run`: one cycle from the command line. */
export async function runCycle(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { ...COMMON });
  if (positionals.length > 0) throw new UsageError(`run takes no arguments (got "${positionals[0]}")`);
  const checks = selectChecks(CATALOGUE, idList(values.only), idList(values.skip));
  const config = await loadAgentConfig(values.config as string | undefined);
  return cycle({ config, checks, root: values.root as string | undefined, log: createLogger() });
}

/**
 * `runnerguard deliver`: send the spool now (no splay: someone is waiting).
 * --retry-rejected first moves the reports of spool/rejected/ back into the
 * spool (after a config fix: a token, a URL), root's regular files only.
 * Exit 1 when reports remain.
 */
export async function deliverCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { config: COMMON.config!, 'retry-rejected': { type: 'boolean' } });
  if (positionals.length > 0) throw new UsageError(`deliver takes no arguments`);
  const config = await loadAgentConfig(values.config as string | undefined);
  if (!config.report.url) throw new UsageError('[report] url is not set: nothing to deliver to');
  const log = createLogger();
  const dir = await stateDir(config);
  return withRunLock(dir, config.agent.lock_wait_ms, 'runnerguard deliver', async () => {
    const spool = spoolOf(config, dir);
    if (values['retry-rejected']) {
      const back = await spool.restoreRejected();
      for (const { entry, reason } of back.refused) log.error({ file: entry.name, reason }, 'rejected entry is not a regular file root owns: left in spool/rejected, not sent');
      log.info({ moved: back.moved.length, refused: back.refused.length }, 'rejected reports moved back into the spool');
      process.stdout.write(term`moved back from spool/rejected ${back.moved.length}` + (back.refused.length ? term`, left there (not root's regular files) ${back.refused.length}` : '') + '\n');
      for (const d of await spool.enforce({ maxReports: config.report.spool_max_reports, maxBytes: config.report.spool_max_bytes })) {
        log.warn({ dropped: d.name }, 'spool full: dropped the oldest report');
      }
    }
    const r = await deliverSpool(config, spool, log, false);
    const untrusted = r?.untrusted ? term`, not sent (not root's regular files) ${r.untrusted}` : '';
    process.stdout.write(term`delivered ${r?.delivered ?? 0}, set aside ${r?.rejected ?? 0}` + untrusted + term`, still spooled ${r?.remaining ?? 0}` + (r?.lastError ? term` (last error: ${r.lastError})` : '') + '\n');
    const rejected = (await spool.listRejected()).length;
    if (rejected > 0) process.stdout.write(term`spool/rejected holds ${rejected} report(s): fix the config, then runnerguard deliver --retry-rejected\n`);
    return r && r.remaining > 0 ? 1 : 0;
  });
}
