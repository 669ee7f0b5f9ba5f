import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import type { CheckContext, FindingDraft } from '../../agent/engine/types.js';
import { githubFacts } from '../../agent/facts/github.js';
import { gitlabFacts } from '../../agent/facts/gitlab.js';
import { isHostError } from '../../agent/host/index.js';
import TABLE from '../data/min-versions.json';

type Product = keyof typeof TABLE.products;
const DAY = 86_400_000;

/** [major, minor, patch] of the first x.y.z in a version string ("19.3.0-1" -> [19, 3, 0]). */
export function parseVersion(v: string): number[] | null {
  const m = /(\d+)\.(\d+)\.(\d+)/.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

export function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/** The version of an installed Debian package from /var/lib/dpkg/status, or null. */
async function dpkgVersion(ctx: CheckContext, pkg: string): Promise<string | null> {
  let text: string;
  try {
    text = await ctx.host.fs.readText('/var/lib/dpkg/status', { maxBytes: 64 * 1024 * 1024 });
  } catch {
    return null;
  }
  for (const stanza of text.split(/\n\n+/)) {
    if (!new RegExp(`^Package: ${pkg}$`, 'm').test(stanza)) continue;
    if (!/^Status: install ok installed$/m.test(stanza)) continue;
    return /^Version: (.+)$/m.exec(stanza)?.[1]?.trim() ?? null;
  }
  return null;
}

/** rpm's answer on a live host (the rpm database is not a format runnerguard parses). */
async function rpmVersion(ctx: CheckContext, pkg: string): Promise<string | null> {
  if (!ctx.host.live) return null;
  const r = await ctx.host.exec(['rpm', '-q', '--qf', '%{VERSION}', pkg], { timeoutMs: 10_000, maxBuffer: 4096 });
  return r.exitCode === 0 && parseVersion(r.stdout) ? r.stdout.trim() : null;
}

function judge(product: Product, subject: string, version: string, source: string, now: Date, trusted = true): FindingDraft {
  const entry = TABLE.products[product];
  const age = Math.floor((now.getTime() - Date.parse(entry.asOf)) / DAY);
  const dated = `minimum-safe table entry as of ${entry.asOf} (${age} days old): ${entry.minimum}, ${entry.why} (${entry.source})`;
  const evidence = [`${product} ${version} (${source})`, dated];
  const v = parseVersion(version);
  if (!v) return verdict.warn(subject, `${product} version "${version.slice(0, 40)}" could not be read as x.y.z`, evidence);
  const fixes = entry.advisories.filter((a) => {
    const line = a.fixedIn.map(parseVersion).find((f) => f && f[0] === v[0] && f[1] === v[1]);
    const first = a.fixedIn.map(parseVersion).filter((f): f is number[] => f !== null).sort(compareVersions)[0]!;
    return line ? compareVersions(v, line) < 0 : compareVersions(v, first) < 0;
  });
  if (fixes.length) return verdict.fail(subject, `${product} ${version} lacks security fixes: ${fixes.map((a) => `${a.what} (fixed in ${a.fixedIn.join(', ')})`).join('; ')}`, evidence);
  if (compareVersions(v, parseVersion(entry.minimum)!) < 0) return verdict.fail(subject, `${product} ${version} is older than the minimum safe ${entry.minimum}: ${entry.why}`, evidence);
  // A job can write a newer number into its own runner dir, not make an old runner safe: only a pass needs trust.
  if (!trusted) return verdict.warn(subject, `${product} ${version} says ${source}, which the job user can write: a job could have written any version there`, evidence);
  const stale = age > 180 ? `; the table is ${age} days old: update checks/data/min-versions.json` : '';
  return { ...verdict.pass(subject, `${product} ${version} is at least ${entry.minimum}${stale}`, evidence), ...(stale && { status: 'warn' as const }) };
}

/** The Actions runner's version from its listener's deps file, or a bin.<version> dir self-updates leave. */
async function actionsVersion(ctx: CheckContext, dir: string): Promise<{ version: string; file: string; writable: boolean } | null> {
  const { fs } = ctx.host;
  // Only root's files in root's dirs, from the runner dir down, are out of a job's reach.
  const rootOnly = async (...paths: string[]) => {
    for (const p of paths) {
      const st = await fs.lstat(p).catch(() => null);
      if (!st || st.uid !== 0 || (st.mode & 0o022) !== 0) return false;
    }
    return true;
  };
  const file = `${dir}/bin/Runner.Listener.deps.json`;
  try {
    const m = /"Runner\.Listener\/(\d+\.\d+\.\d+)"/.exec(await fs.readText(file, { maxBytes: 4 * 1024 * 1024 }));
    if (m) return { version: m[1]!, file, writable: !(await rootOnly(dir, `${dir}/bin`, file)) };
  } catch (err) {
    if (!isHostError(err, 'ENOENT')) return null;
  }
  const bins = (await fs.readdir(dir).catch(() => [])).map((e) => /^bin\.(\d+\.\d+\.\d+)$/.exec(e.name)?.[1]).filter((x): x is string => !!x);
  const newest = bins.sort((a, b) => compareVersions(parseVersion(b)!, parseVersion(a)!))[0];
  return newest ? { version: newest, file: `${dir}/bin.${newest}`, writable: !(await rootOnly(dir, `${dir}/bin.${newest}`)) } : null;
}

export default defineCheck({
  meta: {
    id: 'RG-HOST-002',
    title: 'Runner software is not older than the minimum safe version',
    severity: 'high',
    area: 'host',
    rationale:
      "A runner that misses a security release keeps the hole it fixed, and one past its vendor's support window gets no fixes at all; GitHub stops sending jobs to Actions runners below its minimum version. The minimum-safe table ships with runnerguard as data, dated: the finding says how old it is.",
    references: ['https://docs.gitlab.com/policy/maintenance/', TABLE.products['actions-runner'].source],
    reads: ['/var/lib/dpkg/status (gitlab-runner), rpm -q gitlab-runner on a live host', '<actions runner dir>/bin/Runner.Listener.deps.json or its bin.<version> dirs', 'the dated minimum-safe table shipped with runnerguard (checks/data/min-versions.json)'],
    remediation: { summary: 'Upgrade the runner to a maintained release at or above the table\'s minimum (apt/dnf upgrade gitlab-runner; for Actions let it self-update or install the current release), then update the table if it is old.' },
  },
  async run(ctx) {
    const out: FindingDraft[] = [];
    const gitlab = await ctx.facts.get(gitlabFacts);
    if (gitlab) {
      const deb = await dpkgVersion(ctx, 'gitlab-runner');
      const rpm = deb ? null : await rpmVersion(ctx, 'gitlab-runner');
      if (deb) out.push(judge('gitlab-runner', 'gitlab-runner', deb, '/var/lib/dpkg/status', ctx.now));
      else if (rpm) out.push(judge('gitlab-runner', 'gitlab-runner', rpm, 'rpm -q gitlab-runner', ctx.now));
      else out.push(verdict.warn('gitlab-runner', 'gitlab-runner is installed but its version is unknown: no dpkg record, and no rpm answer (offline audits do not read the rpm database)'));
    }
    for (const r of await ctx.facts.get(githubFacts)) {
      const found = await actionsVersion(ctx, r.dir);
      if (!found) out.push(verdict.warn(r.subject, `the Actions runner's version is unknown: no ${r.dir}/bin/Runner.Listener.deps.json or bin.<version> dir`));
      else out.push(judge('actions-runner', r.subject, found.version, found.file, ctx.now, !found.writable));
    }
    return out.length ? out : [verdict.skip('runner-versions', 'no GitLab Runner or Actions runner found')];
  },
});
