import { CATALOGUE } from '../../../checks/index.js';
import { REMEDIATIONS, remediationFor } from '../../../remediations/index.js';
import type { AgentConfig } from '../../config/schema.js';
import { acquireLock, LockBusy } from '../../delivery/lock.js';
import { runAudit } from '../../engine/run-checks.js';
import { createHost, type Host } from '../../host/index.js';
import { applyPlans } from '../../remediate/apply.js';
import { planRemediations, type PlannedRemediation } from '../../remediate/plan.js';
import { renderPlans, stepTitle } from '../../remediate/render.js';
import { NothingToRollBack, rollbackRun } from '../../remediate/rollback.js';
import type { Remediation } from '../../remediate/types.js';
import { term } from '../../report/neutralize.js';
import { COMMON, idList, parse, UsageError } from '../args.js';
import { loadAgentConfig } from '../config.js';
import { refuseUntrusted, requireTrusted } from '../trusted-paths.js';

/** Serialises fix/rollback with run and deliver: one writer of the host at a time. */
export async function withStateLock<T>(config: AgentConfig, what: string, fn: (stateDir: string) => Promise<T>): Promise<T> {
  // The journal a rollback trusts, and the lock, live there: refused (exit 2) unless root-controlled.
  await requireTrusted(config, { delivery: false });
  const dir = config.agent.state_dir;
  let release;
  try {
    release = await acquireLock(dir, config.agent.lock_wait_ms, what);
  } catch (err) {
    if (err instanceof LockBusy) throw new UsageError(`${err.message}; not starting a second one`);
    throw err;
  }
  try {
    return await fn(dir);
  } finally {
    await release();
  }
}

function pick(ids: string[] | undefined): Remediation[] {
  if (!ids || ids.length === 0) return REMEDIATIONS;
  return ids.map((id) => {
    const r = remediationFor(id);
    if (!r) {
      const known = CATALOGUE.some((c) => c.meta.id === id);
      throw new UsageError(known ? `${id} has no automated remediation: its findings say what to do by hand` : `unknown check id "${id}"`);
    }
    return r;
  });
}

/** A word the shell takes as it is: quoted only when it needs to be, so the hint can be pasted as printed. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The options the undo command needs, as the user gave them: without the
 * same --config it would look for the journal in another state dir.
 * Default (callers other than `fix`): the config file loaded and the root.
 */
export function undoOptions(host: Host, config: AgentConfig, given?: { config?: string; root?: string }): string[] {
  const cfg = given ? given.config : (config.path ?? undefined);
  const root = given ? given.root : host.live ? undefined : host.root;
  return [...(cfg !== undefined ? ['--config', cfg] : []), ...(root !== undefined ? ['--root', root] : [])];
}

/** Plans, applies, journals, re-checks. Shared by `fix --apply` and `run` (remediations enabled in config). */
export async function applyRemediations(
  host: Host,
  config: AgentConfig,
  stateDir: string,
  planned: PlannedRemediation[],
  out: (s: string) => void,
  given?: { config?: string; root?: string },
): Promise<number> {
  const plans = planned.flatMap((p) => p.plans);
  if (plans.length === 0) {
    out('nothing to apply\n');
    return planned.some((p) => p.refusals.length) ? 1 : 0;
  }
  const result = await applyPlans(host, plans, stateDir);
  // stepTitle is neutralised already; subjects, notes and errors carry job-chosen names.
  for (const s of result.steps) out(term`${s.state.padEnd(7)} ${s.remediation} ${s.subject}: ` + (await stepTitle(host, s.step)) + (s.note ? term` (${s.note})` : '') + '\n');
  if (result.status === 'failed') {
    out(term`failed: ${result.error}\njournal: ${result.journalDir}\n`);
    return 1;
  }
  // Neutralised after quoting: a path with a control character shows it escaped (not pasteable, but harmless).
  const undo = ['runnerguard', 'rollback', result.runId, ...undoOptions(host, config, given)].map(shellWord).join(' ');
  out(term`applied as run ${result.runId} (undo: ${undo})\n`);
  const ids = new Set(plans.map((p) => p.remediation));
  // A fresh host: this one has cached what it read (users and groups) before the changes.
  const after = await runAudit({ host: createHost({ root: host.root }), config, checks: CATALOGUE.filter((c) => ids.has(c.meta.id)) });
  let still = 0;
  for (const f of after.findings) {
    const bad = f.status === 'fail' || f.status === 'error';
    if (bad && !f.waived) still++;
    out(term`re-check ${f.check} ${f.subject}: ${f.status}` + (bad ? term`: ${f.message}` : '') + '\n');
  }
  return still > 0 || planned.some((p) => p.refusals.length) ? 1 : 0;
}

/** `runnerguard fix [ID...] [--apply]`: the plan, and with --apply (and ids named) the change. */
export async function fixCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { ...COMMON, apply: { type: 'boolean' } });
  const named = [...positionals, ...(idList(values.only) ?? [])];
  if (values.apply && named.length === 0) throw new UsageError('fix --apply needs the remediations named (runnerguard fix --apply RG-RUN-002 ...): nothing is applied by default');
  const skip = new Set(idList(values.skip) ?? []);
  const remediations = pick(named).filter((r) => !skip.has(r.meta.id));
  const config = await loadAgentConfig(values.config as string | undefined);
  const host = createHost({ root: values.root as string | undefined });
  const out = (s: string) => process.stdout.write(s);
  const given = { config: values.config as string | undefined, root: values.root as string | undefined };
  if (!values.apply) {
    // A plan writes nothing anywhere: no state dir made, no lock taken (the lock file is a write).
    await refuseUntrusted(config, { delivery: false });
    const { planned } = await planRemediations({ host, config, checks: CATALOGUE, remediations, stateDir: config.agent.state_dir });
    out(await renderPlans(host, planned));
    const any = planned.some((p) => p.plans.length);
    const apply = ['runnerguard', 'fix', '--apply', ...planned.filter((p) => p.plans.length).map((p) => p.remediation.meta.id), ...undoOptions(host, config, given)];
    out(any ? term`\nnothing changed; apply with: ${apply.map(shellWord).join(' ')}\n` : '');
    return 0;
  }
  return withStateLock(config, 'runnerguard fix', async (stateDir) => {
    const { planned } = await planRemediations({ host, config, checks: CATALOGUE, remediations, stateDir });
    out(await renderPlans(host, planned));
    return applyRemediations(host, config, stateDir, planned, out, given);
  });
}

/** `runnerguard rollback [RUN-ID]`: undo a run (the latest by default). */
export async function rollbackCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { root: COMMON.root!, config: COMMON.config! });
  if (positionals.length > 1) throw new UsageError('rollback takes at most one run id');
  const config = await loadAgentConfig(values.config as string | undefined);
  const host = createHost({ root: values.root as string | undefined });
  return withStateLock(config, 'runnerguard rollback', async (stateDir) => {
    try {
      const r = await rollbackRun(host, stateDir, positionals[0]);
      for (const e of [...r.entries].reverse()) {
        process.stdout.write(term`${e.state.padEnd(12)} ${e.remediation} ${e.subject}: ` + (await stepTitle(host, e.step)) + (e.note ? term` (${e.note})` : '') + '\n');
      }
      if (r.failed.length > 0) {
        for (const f of r.failed) process.stderr.write(term`runnerguard: could not undo ${f.entry.remediation} ${f.entry.subject}: ${f.error}\n`);
        const again = ['runnerguard', 'rollback', r.runId, ...undoOptions(host, config, { config: values.config as string | undefined, root: values.root as string | undefined })];
        process.stdout.write(term`run ${r.runId} partly rolled back: fix the cause and run \`${again.map(shellWord).join(' ')}\` again\n`);
        return 1;
      }
      const kept = r.entries.filter((e) => e.state === 'irreversible').length;
      process.stdout.write(term`rolled back run ${r.runId}` + (kept ? term`, except ${kept} step(s) that cannot be undone (listed as irreversible)` : '') + '\n');
      return 0;
    } catch (err) {
      if (!(err instanceof NothingToRollBack)) throw err;
      process.stderr.write(term`runnerguard: ${err.message}\n`);
      return 1;
    }
  });
}
