import { createTwoFilesPatch } from 'diff';
import type { Host } from '../host/index.js';
import { forTerminal, forTerminalLines, term } from '../report/neutralize.js';
import type { PlannedRemediation } from './plan.js';
import type { Step } from './types.js';

const octal = (m: number) => `0${m.toString(8).padStart(3, '0')}`;

/** A unified diff as `diff -u` prints it: no Index/=== preamble, no empty header tabs. */
export function unifiedDiff(from: string, to: string, before: string, after: string): string {
  return createTwoFilesPatch(from, to, before, after, '', '', { context: 2 })
    .split('\n')
    .filter((l, i) => !(i < 2 && (l.startsWith('Index: ') || /^=+$/.test(l))))
    .map((l) => (/^(---|\+\+\+) /.test(l) ? l.replace(/\t$/, '') : l))
    .join('\n')
    .trimEnd();
}

/**
 * A diff for the terminal: the file names neutralised before they go into
 * the ---/+++ header (a newline in a job-chosen name would otherwise start a
 * line of its own there), then every line of the content.
 */
function shownDiff(from: string, to: string, before: string, after: string): string {
  return forTerminalLines(unifiedDiff(forTerminal(from), forTerminal(to), before, after));
}

async function current(host: Host, p: string): Promise<string> {
  return host.fs.readText(p, { maxBytes: 16 * 1024 * 1024 }).catch(() => '');
}

/** One line per step, for the apply and rollback logs (neutralised: paths may be job-chosen names). */
export async function stepTitle(host: Host, step: Step): Promise<string> {
  if (step.op === 'editFile') return term`edit ${step.path}`;
  if (step.op === 'writeFile') return term`write ${step.path}`;
  return (await renderStep(host, step)).split('\n')[0]!;
}

/**
 * One step as a person reads it; files as a unified diff. Every value is
 * neutralised for a terminal (`term`); a diff line by line, since the file
 * content is whatever a job wrote into it.
 */
export async function renderStep(host: Host, step: Step): Promise<string> {
  switch (step.op) {
    case 'chmod':
      return term`chmod ${octal(step.mode)} ${step.path}`;
    case 'chown':
      return term`chown ${step.uid}:${step.gid} ${step.path}`;
    case 'editFile': {
      if (!step.redacted) return shownDiff(step.path, step.path, step.before, step.after);
      // The note only where the hunks shown hold a masked secret (their context lines may show a token).
      const shown = shownDiff(step.path, step.path, step.redacted.before, step.redacted.after);
      return shown === shownDiff(step.path, step.path, step.before, step.after) ? shown : `${shown}\n(secrets masked)`;
    }
    case 'writeFile': {
      const before = await current(host, step.path);
      const head = term`write ${step.path} (${octal(step.mode)} ${step.uid}:${step.gid})`;
      if (step.shownAs || step.secret) return head + term`: ${step.shownAs ?? 'a secret, not shown'}`;
      return `${head}\n${shownDiff(before ? step.path : '/dev/null', step.path, before, step.content)}`;
    }
    case 'quarantine':
      return term`move ${step.path} to the quarantine (${step.reason})`;
    case 'groupRemove':
      return term`gpasswd --delete ${step.user} ${step.group}`;
    case 'nftTable':
      return term`nft -f - (replaces table ${step.family} ${step.table} in one transaction):` + `\n${forTerminalLines(step.text).replace(/^/gm, '  ')}`;
    case 'serviceEnable':
      // Offline nothing runs: the unit is only linked to start at the next boot.
      return host.live ? term`systemctl enable --now ${step.unit}` : term`enable ${step.unit} at boot: link /etc/systemd/system/${step.wantedBy}.wants/${step.unit}`;
    case 'validate':
      return term`check: ${step.argv.join(' ')} (${step.why}); if it fails, this run is undone`;
    case 'reload':
      return term`run: ${step.argv.join(' ')} (${step.why})` + (step.undo ? term`; a rollback runs ${step.undo.map((a) => a.join(' ')).join(', ')}` : '');
    case 'removeTree':
      return term`delete ${step.path} (${step.bytes} bytes; ${step.reason}) \u2014 not reversible`; // escaped: a tagged template's text reaches the bundle as written, and one non-Latin-1 character makes V8 hold all 2 MB of it as UTF-16
  }
}

export async function renderPlans(host: Host, planned: PlannedRemediation[]): Promise<string> {
  const out: string[] = [];
  for (const p of planned) {
    const m = p.remediation.meta;
    if (p.plans.length === 0 && p.refusals.length === 0) {
      out.push(term`${m.id}: nothing to do` + (p.idle ? term` (${p.idle})` : '') + '\n');
      continue;
    }
    out.push(term`${m.id}: ${m.title}\n  impact: ${m.impact}\n  restarts a service: ${m.restartsService ? 'yes' : 'no'}\n`);
    for (const plan of p.plans) {
      out.push(term`  ${plan.subject}: ${plan.summary}\n`);
      for (const s of plan.steps) out.push(`${(await renderStep(host, s)).replace(/^/gm, '    ')}\n`);
    }
    for (const r of p.refusals) out.push(term`  ${r.subject}: refused: ${r.reason}\n`);
  }
  return out.join('\n');
}
