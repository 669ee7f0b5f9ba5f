import TOML from '@iarna/toml';
import { gitlabServicesFact, type GitlabFacts, type RunnerEntry } from '../../agent/facts/gitlab.js';
import type { Finding } from '../../agent/engine/types.js';
import type { Plan, PlanContext, Refusal } from '../../agent/remediate/types.js';

/**
 * Shared by the config.toml remediations: for each failing runner subject,
 * `edit` rewrites the current text (minimal edits); the result must still
 * parse, or the subject is refused. All edits of one run go into one
 * editFile step per subject, chained on the text the previous one left.
 */
export async function planTomlEdits(
  ctx: PlanContext,
  findings: Finding[],
  id: string,
  summary: string,
  edit: (text: string, r: RunnerEntry) => string,
): Promise<Array<Plan | Refusal>> {
  const subjects = new Set(findings.map((f) => f.subject));
  const services = await ctx.facts.get(gitlabServicesFact);
  // Each service's own config.toml: a runner's subject names the one it is in.
  const mine = services.filter((g) => g.config.ok && g.config.runners.some((r) => subjects.has(r.subject)));
  if (mine.length === 0) {
    const g = services[0];
    return [{ remediation: id, subject: g?.configPath ?? 'gitlab-runner', reason: 'no readable runner config.toml' }];
  }
  const out: Array<Plan | Refusal> = [];
  for (const g of mine) out.push(...(await planOne(ctx, g, subjects, id, summary, edit)));
  return out;
}

async function planOne(
  ctx: PlanContext,
  gitlab: GitlabFacts,
  subjects: Set<string>,
  id: string,
  summary: string,
  edit: (text: string, r: RunnerEntry) => string,
): Promise<Array<Plan | Refusal>> {
  if (!gitlab.config.ok) return [];
  const path = gitlab.configPath;
  let text = await ctx.host.fs.readText(path, { maxBytes: 4 * 1024 * 1024 });
  const out: Array<Plan | Refusal> = [];
  for (const r of gitlab.config.runners.filter((x) => subjects.has(x.subject))) {
    const before = text;
    let after: string;
    try {
      after = edit(before, r);
      TOML.parse(after);
    } catch (err) {
      out.push({ remediation: id, subject: r.subject, reason: `the edit of ${path} would not be valid TOML (${(err as Error).message.split('\n')[0]}): fix it by hand` });
      continue;
    }
    // A failing runner the edit leaves as it is (a kubernetes host_path socket, say) is said so, not skipped in silence.
    if (after === before) {
      out.push({ remediation: id, subject: r.subject, reason: `the automated fix does not change what this ${r.executor || 'runner'} runner's finding is about: fix it by hand (see the finding)` });
      continue;
    }
    // The diff's context may show a runner's token or a cache key: the plan, the output and the journal see them masked.
    const masked = { before: ctx.secrets.redact(before), after: ctx.secrets.redact(after) };
    const redacted = masked.before !== before || masked.after !== after ? masked : undefined;
    out.push({ remediation: id, subject: r.subject, summary, steps: [{ op: 'editFile', path, before, after, ...(redacted && { redacted }) }] });
    text = after;
  }
  return out;
}

export const runnerTable = (r: RunnerEntry, sub?: string): string[] => (sub ? ['runners', String(r.index), sub] : ['runners', String(r.index)]);
