import check from '../../../checks/runner/host-access.js';
import { defineCases } from '../../helpers/check-cases.js';
import { garbage, malformed, noRunner, runner, runnerHost } from './fixture.js';

const docker = (lines: string) => `\t[runners.docker]\n\t\timage = "alpine:3.20"\n${lines}`;

export default defineCases({
  check,
  passing: [
    {
      name: 'a runner as register writes it; one with runtime = "runsc" (said in the message)',
      build: (t) => runnerHost(t, runner('d', 'docker', docker('')) + runner('g', 'docker', docker('\t\truntime = "runsc"\n'))),
      expect: [
        { status: 'pass', subject: 'runner:d', evidence: ['[runners.docker] runtime unset'] },
        { status: 'pass', subject: 'runner:g', message: 'jobs run under the runsc sandbox runtime' },
      ],
    },
  ],
  failing: [
    {
      name: 'the host disk and /dev/kmsg as devices, group_add docker, a broad device cgroup rule',
      build: (t) =>
        runnerHost(t, runner('d', 'docker', docker('\t\tdevices = ["/dev/sda:/dev/xvda:rwm", "/dev/kmsg"]\n\t\tgroup_add = ["docker"]\n\t\tdevice_cgroup_rules = ["a *:* rwm"]\n'))),
      expect: [
        {
          status: 'fail',
          subject: 'runner:d',
          message: 'job containers get raw host devices: /dev/sda, /dev/kmsg; device_cgroup_rules let jobs open every device they can create: a *:* rwm; group_add puts job processes in docker',
          evidence: ['[runners.docker] devices = ["/dev/sda:/dev/xvda:rwm", "/dev/kmsg"]', '[runners.docker] group_add = ["docker"]'],
        },
      ],
    },
    {
      name: 'services_devices with /dev/nvme0n1 for one image pattern',
      build: (t) => runnerHost(t, runner('s', 'docker', docker('\t\t[runners.docker.services_devices]\n\t\t\t"postgres:*" = ["/dev/nvme0n1"]\n'))),
      expect: [{ status: 'fail', subject: 'runner:s', message: 'service containers get raw host devices: /dev/nvme0n1' }],
    },
    {
      name: 'a GPU device, volumes_from and a sysctl: warn; the same raw disk under Kata: warn, said why',
      build: (t) =>
        runnerHost(
          t,
          runner('w', 'docker', docker('\t\tdevices = ["/dev/dri/renderD128"]\n\t\tvolumes_from = ["shared-cache"]\n\t\t[runners.docker.sysctls]\n\t\t\t"net.ipv4.ip_forward" = "1"\n')) +
            runner('k', 'docker', docker('\t\truntime = "kata-qemu"\n\t\tdevices = ["/dev/sdb"]\n')),
        ),
      expect: [
        { status: 'warn', subject: 'runner:w', message: /^job containers get host devices \/dev\/dri\/renderD128; volumes_from mounts every volume of shared-cache into jobs; sysctls change net\.ipv4\.ip_forward/ },
        { status: 'warn', subject: 'runner:k', message: 'job containers get raw host devices: /dev/sdb (runtime kata-qemu keeps a kernel or VM of its own' },
      ],
    },
    {
      name: 'attacker-shaped names: group_add "0" and a disk reached by its by-id link name',
      build: (t) => runnerHost(t, runner('a', 'docker', docker('\t\tgroup_add = ["0"]\n\t\tdevices = ["/dev/disk/by-id/ata-XYZ:/dev/x"]\n'))),
      expect: [{ status: 'fail', subject: 'runner:a', message: 'job containers get raw host devices: /dev/disk/by-id/ata-XYZ; group_add puts job processes in 0' }],
    },
  ],
  notApplicable: [
    noRunner,
    {
      name: 'shell and kubernetes runners',
      build: (t) => runnerHost(t, runner('s', 'shell') + runner('k', 'kubernetes', '\t[runners.kubernetes]\n')),
      expect: [
        { status: 'skip', subject: 'runner:s' },
        { status: 'skip', subject: 'runner:k', message: "RG-RUN-019's" },
      ],
    },
  ],
  errors: [malformed, garbage],
});
