import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import type { FindingDraft } from '../../agent/engine/types.js';
import { sshdForUser } from '../../agent/facts/sshd.js';
import { describeCode, isHostError } from '../../agent/host/index.js';
import { REF, SSH_REF } from '../references.js';
import { runnerUsers } from '../runner-users.js';
import { describeKeys, expandKeysFile, parseAuthorizedKeys } from './authorized-keys.js';
import { sshdEvidence } from './sshd-logins.js';

export default defineCheck({
  meta: {
    id: 'RG-SSH-002',
    title: 'Runner account accepts no SSH logins',
    severity: 'medium',
    area: 'ssh',
    rationale:
      'Jobs run as the runner user. A key in its authorized_keys gives whoever holds it (a former admin, a leaked CI variable, a job that appended its own key) a shell as that user, with the runner token, the caches and every checkout on the host.',
    references: [REF.glSecureHost, REF.glNetworkSegmentation, REF.guideChecklistHost, SSH_REF.authorizedKeys],
    reads: [
      'the runner users (GitLab Runner User=/--user, Actions runner User=) and their homes in /etc/passwd',
      'the AuthorizedKeysFile sshd uses for each of them (sshd_config with Match User/Group, or sshd -T -C user=<name> on a live host)',
      'those authorized_keys files',
    ],
    remediation: {
      summary: 'Remove the authorized_keys files of the runner user (it needs no interactive logins); administer the host with personal accounts. Optionally add "DenyUsers <runner user>" to sshd_config.',
      automated: 'RG-SSH-002',
    },
  },
  async run(ctx) {
    const runners = await runnerUsers(ctx);
    if (runners.length === 0) {
      return [verdict.skip('authorized_keys', 'no non-root runner user on this host (no runner, or it runs as root: see RG-RUN-001 / RG-GHA-001)')];
    }
    const users = await ctx.host.users();
    const findings: FindingDraft[] = [];
    for (const r of runners) {
      const subject = `user:${r.name}`;
      const user = users.user(r.name);
      if (!user) {
        findings.push(verdict.pass(subject, `${r.name} has no account in /etc/passwd: there is nothing to log in to`, [r.role]));
        continue;
      }
      const sshd = await ctx.facts.get(sshdForUser(user.name));
      const evidence = [r.role, ...sshdEvidence(sshd, ['authorizedkeysfile'])];
      // Without sshd the keys are dormant, not harmless: they count once it is installed.
      const configError = sshd.installed ? sshd.error : undefined;
      if (!sshd.installed) evidence.push('sshd is not installed: these keys count as soon as it is');
      if (configError) evidence.push(`sshd config: ${configError}`);
      const entries = sshd.settings.authorizedkeysfile.value;
      const files: string[] = [];
      const problems: string[] = [];
      for (const entry of entries.length === 1 && entries[0]!.toLowerCase() === 'none' ? [] : entries) {
        const file = expandKeysFile(entry, user);
        if (file === null) problems.push(`AuthorizedKeysFile ${entry}: unknown % token (sshd refuses the login)`);
        else if (!files.includes(file)) files.push(file);
      }
      const found: string[] = [];
      let keys = 0;
      for (const file of files) {
        let text: string;
        try {
          text = await ctx.host.fs.readText(file, { maxBytes: 1024 * 1024 });
        } catch (err) {
          if (!isHostError(err, 'ENOENT')) problems.push(`${file}: ${isHostError(err) ? describeCode(err.code) : String(err)}`);
          continue;
        }
        if (text.includes('\u0000')) {
          problems.push(`${file}: binary data, not an authorized_keys file`);
          continue;
        }
        const parsed = parseAuthorizedKeys(text);
        if (parsed.keys.length === 0 && parsed.junk.length === 0) continue;
        if (parsed.keys.length === 0) problems.push(`${file}:${parsed.junk[0]}: not an authorized key (sshd ignores the line)`);
        keys += parsed.keys.length;
        found.push(describeKeys(file, parsed));
      }
      if (keys > 0) {
        const who = keys === 1 ? '1 authorized key lets its holder' : `${keys} authorized keys let their holders`;
        findings.push(verdict.fail(subject, `${who} log in as ${user.name} over SSH`, [...found, ...problems, ...evidence]));
      } else if (problems.length > 0 || configError) {
        findings.push(verdict.error(subject, `cannot tell whether ${user.name} accepts SSH logins: ${problems[0] ?? configError}`, [...problems.slice(1), ...evidence]));
      } else {
        const where = files.length ? files.join(', ') : 'AuthorizedKeysFile none';
        findings.push(verdict.pass(subject, `no authorized keys for ${user.name} (${where})`, evidence));
      }
    }
    return findings;
  },
});
