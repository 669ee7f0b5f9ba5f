import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import type { HostFs } from '../../agent/host/index.js';
import { UNIT_DIRS } from '../../agent/facts/systemd.js';
import { REF, cisDocker } from '../references.js';
import { doubtPass } from '../unit-doubt.js';
import { AUDIT_RULES, RULES_DIR, RulesError, auditdBinary, liveRules, persistedRules, watchFor, type RuleSet } from './audit-rules.js';

export const SUBJECT = 'audit-rules';

/** What checks.md asks to watch, with the CIS Docker Benchmark recommendation for each. */
export const WATCHED: Array<{ name: string; cis?: string }> = [
  { name: '/usr/bin/dockerd', cis: '1.1.3' },
  { name: '/usr/bin/containerd', cis: '1.1.14' },
  { name: '/var/lib/docker', cis: '1.1.5' },
  { name: '/etc/docker', cis: '1.1.6' },
  { name: '/etc/docker/daemon.json', cis: '1.1.11' },
  { name: 'docker.service', cis: '1.1.7' },
  { name: 'docker.socket', cis: '1.1.9' },
  { name: '/etc/default/docker', cis: '1.1.10' },
  { name: '/etc/gitlab-runner' },
];

export interface Target {
  name: string;
  /** The path to watch: the name itself, or a unit's file. */
  path: string;
  cis?: string;
}

/** The watched names that exist on the target; a unit is its unit file, in systemd's precedence order. */
export async function presentTargets(fs: HostFs): Promise<Target[]> {
  const out: Target[] = [];
  for (const t of WATCHED) {
    if (t.name.startsWith('/')) {
      if (await fs.exists(t.name)) out.push({ ...t, path: t.name });
      continue;
    }
    for (const dir of UNIT_DIRS) {
      // A masked unit (a link to /dev/null) is not the unit file.
      if ((await fs.stat(`${dir}/${t.name}`).catch(() => null))?.kind !== 'file') continue;
      out.push({ ...t, path: `${dir}/${t.name}` });
      break;
    }
  }
  return out;
}

function cisRef(t: { name: string; cis?: string }): string {
  const what = t.name === '/usr/bin/dockerd' ? 'the Docker daemon' : `Docker files and directories - ${t.name}`;
  return cisDocker(t.cis!, `Ensure auditing is configured for ${what}`);
}

const label = (t: Target) => (t.path === t.name ? t.name : `${t.name} (${t.path})`);

/** One finding: which present targets no rule watches. */
export async function judgeWatches(fs: HostFs, targets: Target[], rules: RuleSet) {
  const evidence = [`rules from ${rules.source}`];
  const missing: Target[] = [];
  for (const t of targets) {
    const w = await watchFor(fs, t.path, rules.watches);
    if (w) evidence.push(`${label(t)}: watched by "${w.rule}" (${w.where})`);
    else {
      missing.push(t);
      evidence.push(`${label(t)}: no watch${t.cis ? ` (CIS Docker ${t.cis})` : ''}`);
    }
  }
  if (missing.length > 0) {
    return verdict.fail(SUBJECT, `no audit watch for ${missing.map(label).join(', ')}`, evidence);
  }
  return verdict.pass(SUBJECT, `every Docker and runner path present is watched: ${targets.map((t) => t.name).join(', ')}`, evidence);
}

export default defineCheck({
  meta: {
    id: 'RG-AUDIT-002',
    title: 'Audit rules watch Docker and runner files',
    severity: 'medium',
    area: 'audit',
    rationale:
      'Whoever changes the Docker daemon, its config, its socket unit or the runner config controls every job on the host. Audit watches on those files leave a record of who changed them and when, which is the trail an incident response needs after a job breaks out.',
    references: [REF.guideChecklistHost, REF.glSecureHost, ...WATCHED.filter((t) => t.cis).map(cisRef)],
    reads: ['auditctl -l (live)', `${RULES_DIR}/*.rules, ${AUDIT_RULES}, auditd.service ExecStartPost (offline)`, ...WATCHED.map((t) => t.name)],
    remediation: {
      summary:
        'Add "-w <path> -k docker" for each missing path to /etc/audit/rules.d/docker.rules (unit files by their path, e.g. /lib/systemd/system/docker.service) and load them with augenrules --load.',
      automated: 'RG-AUDIT-002',
    },
  },
  async run(ctx) {
    const { fs } = ctx.host;
    if (!(await auditdBinary(fs))) return [verdict.skip(SUBJECT, 'auditd is not installed (RG-AUDIT-001 reports it)')];
    const targets = await presentTargets(fs);
    if (targets.length === 0) {
      return [verdict.skip(SUBJECT, `none of ${WATCHED.map((t) => t.name).join(', ')} exists: no Docker or GitLab Runner files to watch`)];
    }
    let rules: RuleSet;
    try {
      rules = ctx.host.live ? await liveRules(ctx.host) : await persistedRules(fs);
    } catch (err) {
      if (err instanceof RulesError) return [verdict.error(SUBJECT, err.message, [`reading ${err.file}`])];
      throw err;
    }
    // Offline, which files auditd loads is the unit's to say: a drop-in not read or not root's makes a pass unsure.
    return [doubtPass(await judgeWatches(fs, targets, rules), rules.unit)];
  },
});
