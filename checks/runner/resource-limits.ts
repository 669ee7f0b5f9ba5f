import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import type { FindingDraft } from '../../agent/engine/types.js';
import { unitValue } from '../../agent/facts/systemd.js';
import { REF } from '../references.js';
import { tableOf } from './capabilities.js';
import { configEvidence } from './config-evidence.js';
import { ephemeralReason, noContainersReason } from './executors.js';
import { forEachRunner, str } from './runners.js';

const set = (v: unknown) => (typeof v === 'string' && v.trim() !== '' && v.trim() !== '0') || (typeof v === 'number' && v > 0);
const unlimited = (v: string | undefined) => v === undefined || v.trim() === '' || /^infinity$/i.test(v.trim());

export default defineCheck({
  meta: {
    id: 'RG-RUN-021',
    title: 'Jobs run with memory, CPU and process limits',
    severity: 'medium',
    area: 'runner',
    rationale:
      "On a static host every job shares the machine: one job without limits (a fork bomb, a leaking test, a miner) starves the others, the runner and the host's own services, and the OOM killer may pick the wrong process. Container limits per job, or the runner unit's cgroup limits for the shell executor, keep one job from taking the host down.",
    references: [
      'https://docs.gitlab.com/runner/executors/docker/#enforce-container-resource-limits',
      'https://docs.gitlab.com/runner/executors/kubernetes/#overwrite-container-resources',
      'https://www.freedesktop.org/software/systemd/man/latest/systemd.resource-control.html',
      REF.guideChecklistHost,
    ],
    reads: [
      'runner config.toml: executor; [runners.docker] memory, memory_swap, cpus, cpuset_cpus, ulimit; [runners.kubernetes] cpu_limit, memory_limit, cpu_limit_overwrite_max_allowed, memory_limit_overwrite_max_allowed',
      'the gitlab-runner unit (and drop-ins): MemoryMax, MemoryLimit, TasksMax, for the shell executor',
    ],
    remediation: {
      summary:
        'docker: set memory (and memory_swap equal to it), cpus or cpuset_cpus, and a ulimit nproc; kubernetes: set cpu_limit and memory_limit (and *_overwrite_max_allowed only as high as you accept); shell: a drop-in for the runner unit with MemoryMax= and TasksMax=.',
    },
  },
  async run(ctx) {
    const ev = await configEvidence(ctx);
    return forEachRunner(ctx, (r, facts): FindingDraft => {
      const ephemeral = ephemeralReason(r);
      if (ephemeral) return verdict.skip(r.subject, `moot: ${ephemeral}; a job can starve only its own VM`);
      const missing: string[] = [];
      let evidence: string[] = [];
      if (r.executor.startsWith('docker') && r.executor !== 'docker-windows') {
        const d = r.docker;
        evidence = [ev.runner(r, 'docker', 'memory'), ev.runner(r, 'docker', 'memory_swap'), ev.runner(r, 'docker', 'cpus'), ev.runner(r, 'docker', 'cpuset_cpus'), ev.runner(r, 'docker', 'ulimit')];
        if (!set(d.memory)) missing.push('no memory limit');
        else if (str(d.memory_swap)?.trim() === '-1') missing.push('memory_swap = "-1": unlimited swap on top of the memory limit');
        if (!set(d.cpus) && !set(d.cpuset_cpus)) missing.push('no cpus or cpuset_cpus');
        // gitlab-runner has no pids_limit: ulimit nproc is what bounds a fork bomb per container user.
        if (!set(tableOf(d.ulimit).nproc)) missing.push('no ulimit nproc (gitlab-runner has no pids_limit)');
      } else if (r.executor === 'kubernetes') {
        const k = r.kubernetes;
        evidence = [ev.runner(r, 'kubernetes', 'cpu_limit'), ev.runner(r, 'kubernetes', 'memory_limit')];
        if (!set(k.cpu_limit)) missing.push('no cpu_limit');
        if (!set(k.memory_limit)) missing.push('no memory_limit');
        for (const key of ['cpu_limit_overwrite_max_allowed', 'memory_limit_overwrite_max_allowed']) if (k[key] !== undefined) evidence.push(ev.runner(r, 'kubernetes', key));
        if (missing.length) missing.push('(unless the namespace has a LimitRange, which config.toml cannot show)');
      } else if (r.executor === 'shell') {
        const unit = facts.unit;
        if (!unit) return verdict.warn(r.subject, 'shell executor without a systemd unit runnerguard can read: its jobs\' memory and process limits are unknown');
        const mem = unitValue(unit, 'Service', 'MemoryMax') ?? unitValue(unit, 'Service', 'MemoryLimit');
        const tasks = unitValue(unit, 'Service', 'TasksMax');
        evidence = [`unit ${unit.path}${unit.dropIns.length ? ` (+ ${unit.dropIns.join(', ')})` : ''}: MemoryMax=${mem ?? 'unset'}, TasksMax=${tasks ?? 'unset (systemd\'s DefaultTasksMax)'}`];
        if (unlimited(mem)) missing.push(`the runner unit has no MemoryMax${mem ? ` (MemoryMax=${mem})` : ''}: shell jobs share the whole host's memory`);
        if (tasks !== undefined && unlimited(tasks)) missing.push('TasksMax=infinity: a fork bomb in a job fills the process table');
      } else {
        return verdict.skip(r.subject, `${noContainersReason(r)}: its jobs' limits are set where they run`);
      }
      if (missing.length) return verdict.warn(r.subject, `${missing.join('; ')}: one job can starve every other job on this host`, evidence);
      return verdict.pass(r.subject, 'each job is bounded in memory, CPU and processes', evidence);
    });
  },
});
