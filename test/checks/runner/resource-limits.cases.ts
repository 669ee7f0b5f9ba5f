import check from '../../../checks/runner/resource-limits.js';
import { defineCases } from '../../helpers/check-cases.js';
import { garbage, malformed, noRunner, runner, runnerHost } from './fixture.js';

const DROPIN = '/etc/systemd/system/gitlab-runner.service.d';
const LIMITED = '\t[runners.docker]\n\t\tmemory = "4g"\n\t\tmemory_swap = "4g"\n\t\tcpus = "2"\n\t\t[runners.docker.ulimit]\n\t\t\tnproc = "4096:4096"\n';

export default defineCases({
  check,
  passing: [
    {
      name: 'docker with memory, swap, cpus and ulimit nproc; kubernetes with cpu and memory limits',
      build: (t) => runnerHost(t, runner('d', 'docker', LIMITED) + runner('k', 'kubernetes', '\t[runners.kubernetes]\n\t\tcpu_limit = "2"\n\t\tmemory_limit = "4Gi"\n\t\tmemory_limit_overwrite_max_allowed = "8Gi"\n')),
      expect: [
        { status: 'pass', subject: 'runner:d', evidence: ['[runners.docker] memory = "4g"'] },
        { status: 'pass', subject: 'runner:k', evidence: ['[runners.kubernetes] memory_limit_overwrite_max_allowed = "8Gi"'] },
      ],
    },
    {
      name: 'shell executor under a drop-in with MemoryMax and TasksMax',
      build: async (t) => {
        await runnerHost(t, runner('s', 'shell'));
        await t.file(`${DROPIN}/limits.conf`, '[Service]\nMemoryMax=6G\nTasksMax=2048\n');
      },
      expect: [{ status: 'pass', subject: 'runner:s', evidence: [/MemoryMax=6G, TasksMax=2048$/] }],
    },
  ],
  failing: [
    {
      name: 'docker as register writes it: no limit at all',
      build: (t) => runnerHost(t, runner('d', 'docker', '\t[runners.docker]\n\t\timage = "alpine"\n')),
      expect: [{ status: 'warn', subject: 'runner:d', message: 'no memory limit; no cpus or cpuset_cpus; no ulimit nproc (gitlab-runner has no pids_limit): one job can starve every other job on this host' }],
    },
    {
      name: 'docker memory with unlimited swap; kubernetes without memory_limit',
      build: (t) =>
        runnerHost(t, runner('d', 'docker', LIMITED.replace('memory_swap = "4g"', 'memory_swap = "-1"')) + runner('k', 'kubernetes', '\t[runners.kubernetes]\n\t\tcpu_limit = "1"\n')),
      expect: [
        { status: 'warn', subject: 'runner:d', message: /^memory_swap = "-1": unlimited swap/ },
        { status: 'warn', subject: 'runner:k', message: /^no memory_limit; \(unless the namespace has a LimitRange/ },
      ],
    },
    {
      name: 'shell executor, the unit as gitlab-runner install writes it: no MemoryMax',
      build: (t) => runnerHost(t, runner('s', 'shell')),
      expect: [{ status: 'warn', subject: 'runner:s', message: /^the runner unit has no MemoryMax/ }],
    },
    {
      name: 'a later drop-in lifts the limits again (MemoryMax=infinity, TasksMax=infinity): the last one wins, as in systemd',
      build: async (t) => {
        await runnerHost(t, runner('s', 'shell'));
        await t.file(`${DROPIN}/10-limits.conf`, '[Service]\nMemoryMax=6G\nTasksMax=2048\n');
        await t.file(`${DROPIN}/99-override.conf`, '[Service]\nMemoryMax=infinity\nTasksMax=infinity\n');
      },
      expect: [{ status: 'warn', subject: 'runner:s', message: /no MemoryMax.*; TasksMax=infinity: a fork bomb/ }],
    },
  ],
  notApplicable: [
    noRunner,
    {
      name: 'docker+machine with MaxBuilds = 1; an ssh runner',
      build: (t) => runnerHost(t, runner('m', 'docker+machine', '\t[runners.docker]\n\t[runners.machine]\n\t\tMaxBuilds = 1\n') + runner('x', 'ssh', '\t[runners.ssh]\n\t\thost = "b"\n')),
      expect: [
        { status: 'skip', subject: 'runner:m', message: 'moot' },
        { status: 'skip', subject: 'runner:x', message: 'set where they run' },
      ],
    },
  ],
  errors: [malformed, garbage],
});
