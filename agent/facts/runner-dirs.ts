import { release, safeRootOf, SafePathError, writerOf, type Actor } from '../host/safe-path.js';
import { isWithin } from '../util/target-path.js';
import { defineFact, type FactEnv } from './index.js';
import { gitlabServicesFact, type GitlabFacts, type RunnerEntry } from './gitlab.js';
import { githubFacts } from './github.js';
import { jenkinsAgentsFact, type JenkinsAgent } from './jenkins.js';

export type RunnerDirKind = 'builds' | 'cache' | 'actions-work' | 'jenkins-work' | 'docker-volume';

export interface RunnerDir {
  /** Target path of the directory on the host. */
  path: string;
  kind: RunnerDirKind;
  /** The runner it belongs to (`runner:<name>` / `github-runner:<dir>`). */
  owner: string;
  /** Where the path came from, for evidence ("builds_dir", "shell default", ...). */
  source: string;
  /** Where the path resolves, when a link a non-root user made is on the way (see actAs). */
  real?: string;
  /**
   * Set when the path was read from a file another user could write (a
   * `.runner` in the runner's home, a user-mode config.toml): the location
   * is the job's to name, so it is audited read-only and any remediation
   * there runs with that user's privileges, never as root.
   */
  actAs?: Actor;
}

/** The runner dir holding `target`, when remediations there must act as someone (see RunnerDir.actAs). */
export function actAsFor(dirs: RunnerDir[], target: string): Actor | undefined {
  return dirs.find((d) => d.actAs && (isWithin(target, d.path) || (d.real !== undefined && isWithin(target, d.real))))?.actAs;
}

/**
 * A dir reached through a link a non-root user made (a builds dir swapped
 * for a link to /) is that user's to name: what is found where it leads is
 * theirs to have pointed at, so it is acted on as them, fail-closed.
 */
async function throughLink(env: FactEnv, d: RunnerDir): Promise<RunnerDir> {
  try {
    release(safeRootOf(env.host).openDir(d.path));
    return d;
  } catch (err) {
    if (!(err instanceof SafePathError) || err.code !== 'ELINK') return d;
    const real = await env.host.fs.realpath(d.path).catch(() => '/');
    return { ...d, real, actAs: d.actAs ?? err.owner ?? { uid: 65534, gid: 65534, why: err.message } };
  }
}

const HOST_EXECUTORS = new Set(['shell']);
const DOCKER_EXECUTORS = new Set(['docker', 'docker-windows', 'docker+machine', 'docker-autoscaler']);

function joinPath(base: string, rel: string): string {
  return rel.startsWith('/') ? rel : `${base.replace(/\/+$/, '')}/${rel}`;
}

/** Host side of a docker `volumes` entry that binds container path `inside`, if any. */
function hostSideOf(r: RunnerEntry, inside: string): string | undefined {
  const volumes = Array.isArray(r.docker.volumes) ? r.docker.volumes : [];
  for (const v of volumes) {
    if (typeof v !== 'string') continue;
    const [host, container] = v.split(':');
    if (container !== undefined && host?.startsWith('/') && container.replace(/\/+$/, '') === inside.replace(/\/+$/, '')) return host;
  }
  return undefined;
}

function gitlabDirs(facts: GitlabFacts, workDir: string): RunnerDir[] {
  if (!facts.config.ok) return [];
  const out: RunnerDir[] = [];
  for (const r of facts.config.runners) {
    const buildsDir = typeof r.raw.builds_dir === 'string' ? r.raw.builds_dir : undefined;
    const cacheDir = typeof r.raw.cache_dir === 'string' ? r.raw.cache_dir : undefined;
    if (HOST_EXECUTORS.has(r.executor)) {
      // Shell jobs use the host paths directly; defaults sit in the working directory.
      out.push({ path: buildsDir ?? joinPath(workDir, 'builds'), kind: 'builds', owner: r.subject, source: buildsDir ? 'builds_dir' : 'shell default' });
      out.push({ path: cacheDir ?? joinPath(workDir, 'cache'), kind: 'cache', owner: r.subject, source: cacheDir ? 'cache_dir' : 'shell default' });
    } else if (DOCKER_EXECUTORS.has(r.executor)) {
      // Docker jobs' dirs are container paths; they are on the host only when bind-mounted.
      const b = hostSideOf(r, buildsDir ?? '/builds');
      if (b) out.push({ path: b, kind: 'builds', owner: r.subject, source: `volume for ${buildsDir ?? '/builds'}` });
      const c = hostSideOf(r, cacheDir ?? '/cache');
      if (c) out.push({ path: c, kind: 'cache', owner: r.subject, source: `volume for ${cacheDir ?? '/cache'}` });
    }
  }
  return out;
}

/**
 * Who named a Jenkins agent's -workDir: a process's own command line is its
 * user's to write, a user unit its owner's, a system unit (and the
 * EnvironmentFiles it reads) whoever could write those files.
 */
async function jenkinsWriter(env: FactEnv, a: JenkinsAgent, users: Awaited<ReturnType<FactEnv['host']['users']>>): Promise<Actor | undefined> {
  if (!a.unit) {
    const p = a.processes[0];
    return p && p.euid !== 0 ? { uid: p.euid, gid: users.user(p.euid)?.gid ?? p.euid, why: `the command line of pid ${p.pid} (uid ${p.euid})` } : undefined;
  }
  if (a.unit.scope !== 'system') {
    const u = users.user(a.unit.scope.user);
    return { uid: u?.uid ?? 65534, gid: u?.gid ?? 65534, why: `${a.unit.unit.path} is ${a.unit.scope.user}'s user unit` };
  }
  for (const f of [a.unit.unit.path, ...a.unit.unit.dropIns, ...a.unit.envFiles.filter((e) => (e.vars?.size ?? 1) > 0).map((e) => e.path)]) {
    const w = await writerOf(env.host, f);
    if (w) return w;
  }
  return undefined;
}

/**
 * The directories where jobs leave code and credentials: each GitLab
 * runner's builds and cache dirs (configured or the executor's default), and
 * each Actions runner's work folder. Deduplicated by path.
 */
export const runnerDirsFact = defineFact<RunnerDir[]>('runner-dirs', async (env) => {
  const [gitlabServices, github, users] = await Promise.all([env.facts.get(gitlabServicesFact), env.facts.get(githubFacts), env.host.users()]);
  const dirs: RunnerDir[] = [];
  for (const gitlab of gitlabServices) {
    const workDir = gitlab.workingDirectory ?? users.user(gitlab.jobUser)?.home ?? '/home/gitlab-runner';
    const writer = gitlab.sourceWriter ?? (await writerOf(env.host, gitlab.configPath)) ?? undefined;
    // Defaults come from the unit and /etc/passwd; a configured path is only as trusted as the file that names it,
    // and everything an init script someone else can write names (its --working-directory too) is theirs.
    dirs.push(...gitlabDirs(gitlab, workDir).map((d) => (writer && (gitlab.sourceWriter || d.source !== 'shell default') ? { ...d, actAs: writer } : d)));
  }
  for (const g of github) {
    const work = typeof g.settings?.workFolder === 'string' ? g.settings.workFolder : '_work';
    const writer = g.settings ? ((await writerOf(env.host, `${g.dir}/.runner`)) ?? undefined) : undefined;
    dirs.push({ path: joinPath(g.dir, work), kind: 'actions-work', owner: g.subject, source: '.runner workFolder', ...(writer ? { actAs: writer } : {}) });
  }
  for (const a of await env.facts.get(jenkinsAgentsFact)) {
    if (!a.workDir?.startsWith('/')) continue;
    const writer = await jenkinsWriter(env, a, users);
    dirs.push({ path: a.workDir.replace(/\/+$/, '') || '/', kind: 'jenkins-work', owner: a.subject, source: '-workDir', ...(writer ? { actAs: writer } : {}) });
  }
  const seen = new Set<string>();
  return Promise.all(dirs.filter((d) => (seen.has(d.path) ? false : (seen.add(d.path), true))).map((d) => throughLink(env, d)));
});
