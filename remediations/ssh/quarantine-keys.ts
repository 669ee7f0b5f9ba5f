import { actAsFor, runnerDirsFact } from '../../agent/facts/runner-dirs.js';
import { sshdForUser } from '../../agent/facts/sshd.js';
import { ESCAPED_PATH_REFUSAL, mayHoldEscapedBytes } from '../../agent/util/byte-names.js';
import type { Finding } from '../../agent/engine/types.js';
import { defineRemediation, type Plan, type PlanContext, type Refusal, NOT_SYSTEM } from '../../agent/remediate/types.js';
import { expandKeysFile, parseAuthorizedKeys } from '../../checks/ssh/authorized-keys.js';

const refuse = (remediation: string, subject: string, reason: string): Refusal => ({ remediation, subject, reason });

/** RG-SSH-001: each flagged key file (the finding's subject is its path) moves to the quarantine, nothing else. */
export const strayKeys = defineRemediation({
  meta: {
    id: 'RG-SSH-001',
    title: 'Move stray private keys to the root-only quarantine',
    impact:
      'anything that uses a moved key stops working (a deploy job, a git remote over ssh, scp in a job or a cron entry); rotate the key too: every job that ran here could have copied it',
    restartsService: false,
    touches: [{ op: 'quarantine', path: NOT_SYSTEM }],
  },
  async plan(ctx, findings) {
    const out: Array<Plan | Refusal> = [];
    const dirs = await ctx.facts.get(runnerDirsFact);
    for (const f of findings) {
      if (f.status !== 'fail' || !f.subject.startsWith('/')) continue;
      if (mayHoldEscapedBytes(f.subject)) {
        out.push(refuse('RG-SSH-001', f.subject, ESCAPED_PATH_REFUSAL));
        continue;
      }
      const actAs = actAsFor(dirs, f.subject);
      const st = await ctx.host.fs.lstat(f.subject);
      if (!st) continue; // gone since the audit: nothing to move
      // The scan reads regular files only; anything else here changed under us.
      if (st.kind !== 'file') {
        out.push(refuse('RG-SSH-001', f.subject, `${f.subject} is no longer a regular file (${st.kind}): left alone`));
        continue;
      }
      out.push({ remediation: 'RG-SSH-001', subject: f.subject, summary: 'move the key to the quarantine', steps: [{ op: 'quarantine', path: f.subject, reason: f.message, ...(actAs ? { actAs } : {}) }] });
    }
    return out;
  },
});

/** AuthorizedKeysFile entries that hold no %u/%h/%U and are absolute are one file for every account: not the runner's to take away. */
function shared(entry: string): boolean {
  return entry.startsWith('/') && !/%[uhU]/.test(entry);
}

async function planUser(ctx: PlanContext, f: Finding): Promise<Array<Plan | Refusal>> {
  const name = f.subject.slice('user:'.length);
  const user = (await ctx.host.users()).user(name);
  if (!user) return [];
  const sshd = await ctx.facts.get(sshdForUser(user.name));
  const entries = sshd.settings.authorizedkeysfile.value;
  if (entries.length === 1 && entries[0]!.toLowerCase() === 'none') return [];
  const out: Array<Plan | Refusal> = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    const file = expandKeysFile(entry, user);
    if (file === null || seen.has(file)) continue;
    seen.add(file);
    // Only files the check counts keys in: an empty or comment-only file is no login.
    const text = await ctx.host.fs.readText(file, { maxBytes: 1024 * 1024 }).catch(() => null);
    if (text === null || text.includes('\u0000') || parseAuthorizedKeys(text).keys.length === 0) continue;
    const st = await ctx.host.fs.lstat(file);
    if (!st) continue;
    if (shared(entry)) out.push(refuse('RG-SSH-002', file, `AuthorizedKeysFile ${entry} is one file for every account: remove ${user.name}'s keys from it by hand`));
    else if (st.kind === 'symlink') out.push(refuse('RG-SSH-002', file, `${file} is a link (to ${await ctx.host.fs.realpath(file).catch(() => 'a path outside the root')}), maybe shared with other accounts: remove it by hand`));
    else if (st.kind !== 'file') out.push(refuse('RG-SSH-002', file, `${file} is not a regular file (${st.kind}): left alone`));
    else {
      const n = parseAuthorizedKeys(text).keys.length;
      out.push({ remediation: 'RG-SSH-002', subject: f.subject, summary: `move ${file} (${n} key${n === 1 ? '' : 's'}) to the quarantine`, steps: [{ op: 'quarantine', path: file, reason: `authorized keys of runner user ${user.name}` }] });
    }
  }
  return out;
}

/** RG-SSH-002: the runner account's authorized_keys files (those sshd reads for it and that hold keys) move to the quarantine. */
export const runnerAuthorizedKeys = defineRemediation({
  meta: {
    id: 'RG-SSH-002',
    title: 'Move the runner account\'s authorized_keys to the root-only quarantine',
    impact: 'SSH logins as the runner account by key stop (an admin or a deploy tool that logs in as that user loses access)',
    restartsService: false,
    touches: [{ op: 'quarantine', path: NOT_SYSTEM }],
  },
  async plan(ctx, findings) {
    const out: Array<Plan | Refusal> = [];
    for (const f of findings) if (f.status === 'fail' && f.subject.startsWith('user:')) out.push(...(await planUser(ctx, f)));
    return out;
  },
});
