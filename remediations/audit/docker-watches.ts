import type { Host } from '../../agent/host/index.js';
import { checkWith } from '../../agent/remediate/overlay-fs.js';
import { defineRemediation, type Step } from '../../agent/remediate/types.js';
import { AUDIT_RULES, persistedRules, RULES_DIR, watchFor } from '../../checks/audit/audit-rules.js';
import check, { presentTargets } from '../../checks/audit/docker-watches.js';

const ID = 'RG-AUDIT-002';
export const RULES_FILE = `${RULES_DIR}/runnerguard.rules`;
/** Marks every rule of ours in `auditctl -l`. */
export const KEY = 'runnerguard';

/** One watch per path: writes and attribute changes, the trail of who changed a file and when. */
export const watchRule = (path: string) => `-w ${path} -p wa -k ${KEY}`;

export function rulesText(paths: string[]): string {
  return [
    '## Written by runnerguard (RG-AUDIT-002): audit watches for Docker and runner files.',
    `## Every rule carries the key ${KEY}; \`runnerguard rollback\` removes this file and these rules.`,
    ...paths.map(watchRule),
    '',
  ].join('\n');
}

/** auditctl -s "enabled 2": rules are locked until reboot, so no load can succeed. */
async function locked(host: Host): Promise<boolean> {
  const r = await host.exec(['auditctl', '-s'], { timeoutMs: 10_000 });
  return /^enabled 2$/m.test(r.stdout);
}

export default defineRemediation({
  meta: {
    id: ID,
    title: `Audit watches for Docker and runner files in ${RULES_FILE}, loaded with augenrules`,
    impact:
      'more audit events (every write to the watched Docker and runner paths; /var/lib/docker is busy while containers run) in /var/log/audit; on a live host augenrules --load replaces the kernel rules with those of /etc/audit/rules.d, so rules added at runtime with auditctl are dropped',
    restartsService: false,
    touches: [{ op: 'writeFile', path: /^\/etc\/audit\/rules\.d\/runnerguard\.rules$/ }, { op: 'reload', argv: /^augenrules --load$/, undo: /^auditctl -W \S+ -p wa -k runnerguard$/, writes: /^\/etc\/audit\/audit\.rules(\.prev)?$/ }],
  },
  async plan(ctx, findings) {
    const { fs } = ctx.host;
    const subject = findings[0]?.subject ?? 'audit-rules';
    const refuse = (reason: string) => [{ remediation: ID, subject, reason }];
    // The file gets what the rules files miss: on a live host the kernel may lack more, which the load fixes.
    const [targets, persisted] = await Promise.all([presentTargets(fs), persistedRules(fs)]);
    // Each missing path once, skipping those a watch added here already covers (-w /etc/docker covers daemon.json).
    const missing: string[] = [];
    const watches = [...persisted.watches];
    for (const t of targets) {
      if (await watchFor(fs, t.path, watches)) continue;
      missing.push(t.path);
      watches.push({ path: t.path, recursive: true, key: KEY, rule: watchRule(t.path), where: RULES_FILE });
    }
    const content = missing.length ? rulesText(missing) : undefined;
    if (content) {
      // Another rules file sorting after ours may delete these watches (-W, -D -k), or the unit may not use augenrules.
      const [after] = await checkWith(ctx, check, { [RULES_FILE]: content });
      if (after?.status !== 'pass') {
        const used = after?.evidence?.[0]?.includes(RULES_FILE);
        return refuse(`${RULES_FILE} would not make the watches stick: ${used ? after?.message : `auditd.service does not load ${RULES_DIR} (${after?.evidence?.[0] ?? ''})`}`);
      }
    }
    const steps: Step[] = content ? [{ op: 'writeFile', path: RULES_FILE, content, mode: 0o640, uid: 0, gid: 0 }] : [];
    if (ctx.host.live) {
      if (await locked(ctx.host)) return refuse('the kernel audit rules are locked (auditctl -s: enabled 2, "-e 2"): nothing loads until the next boot');
      steps.push({
        op: 'reload',
        argv: ['augenrules', '--load'],
        why: `merges ${RULES_DIR} into ${AUDIT_RULES} and loads it into the kernel`,
        // Exactly our rules: `auditctl -D -k` matches keys by prefix and would take others' too.
        undo: missing.map((p) => ['auditctl', '-W', p, '-p', 'wa', '-k', KEY]),
        writes: [AUDIT_RULES, `${AUDIT_RULES}.prev`],
      });
    }
    const summary = content ? `watch ${missing.join(', ')} (key ${KEY})` : `load the rules of ${RULES_DIR}, which already watch every path`;
    return steps.length ? [{ remediation: ID, subject, summary, steps }] : [];
  },
});
