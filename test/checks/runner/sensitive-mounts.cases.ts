import check from '../../../checks/runner/sensitive-mounts.js';
import { defineCases } from '../../helpers/check-cases.js';
import { CONFIG_PATH, garbage, noRunner, runner, runnerHost } from './fixture.js';

const volumes = (list: string) => `\t[runners.docker]\n\t\timage = "alpine:3.20"\n\t\tvolumes = ${list}\n`;

export default defineCases({
  check,
  passing: [
    {
      name: "dedicated dirs, look-alikes of sensitive names, anonymous volumes, and the socket (RG-RUN-004's)",
      build: (t) =>
        runnerHost(
          t,
          runner(
            'a',
            'docker',
            volumes('[\n\t\t\t"/srv/cache:/cache",\n\t\t\t"/etcetera:/x:ro", # not /etc\n\t\t\t"/home-ci:/h",\n\t\t\t"/var/lib/docker-ci:/d",\n\t\t\t"/etc", # container path only\n\t\t\t"/var/run/docker.sock:/var/run/docker.sock",\n\t\t]'),
          ),
        ),
      expect: [{ status: 'pass', subject: 'runner:a', message: 'no sensitive host path is mounted into job containers' }],
    },
    {
      name: 'kubernetes host_path of a cache dir',
      build: (t) => runnerHost(t, runner('k', 'kubernetes', '\t[runners.kubernetes]\n\t\t[[runners.kubernetes.volumes.host_path]]\n\t\t\tname = "cache"\n\t\t\tmount_path = "/cache"\n\t\t\thost_path = "/srv/cache"\n')),
      expect: [{ status: 'pass', subject: 'runner:k' }],
    },
  ],
  failing: [
    {
      name: '/, below /etc and /root, trailing slash, doubled slash and .. normalized',
      build: (t) =>
        runnerHost(t, runner('a', 'docker', volumes('["/cache", "/:/host:ro", "/etc/ssl:/etc/ssl:ro", "/root/.ssh:/keys", "/var/lib/docker/:/d", "//proc:/hostproc", "/home/../etc:/e"]'))),
      expect: [
        {
          status: 'fail',
          subject: 'runner:a',
          message: 'sensitive host paths are mounted into jobs: /, /etc/ssl, /root/.ssh, /var/lib/docker, /proc, /etc (/ also hands jobs the Docker socket)',
          evidence: [
            `${CONFIG_PATH}:18: [runners.docker] volumes entry "/:/host:ro"`,
            '[runners.docker] volumes entry "/etc/ssl:/etc/ssl:ro"',
            '[runners.docker] volumes entry "/root/.ssh:/keys"',
            '[runners.docker] volumes entry "/var/lib/docker/:/d"',
            '[runners.docker] volumes entry "//proc:/hostproc"',
            '[runners.docker] volumes entry "/home/../etc:/e"',
          ],
        },
      ],
    },
    {
      name: '/run and /var/run next to a clean runner; /sys, /dev, /boot, /home in a multi-line array with comments',
      build: (t) =>
        runnerHost(
          t,
          runner('run', 'docker', volumes('["/run:/run", "/var/run/:/var/run:ro"]')) +
            runner('clean', 'docker', volumes('["/cache"]')) +
            runner('hw', 'docker+machine', volumes('[\n\t\t\t"/sys:/sys:ro", # metrics\n\t\t\t"/dev:/dev",\n\t\t\t"/boot:/boot:ro",\n\t\t\t"/home:/home",\n\t\t]')),
        ),
      expect: [
        { status: 'fail', subject: 'runner:run', message: 'sensitive host paths are mounted into jobs: /run, /var/run (/run, /var/run also hand jobs the Docker socket)' },
        { status: 'pass', subject: 'runner:clean' },
        { status: 'fail', subject: 'runner:hw', message: /^sensitive host paths are mounted into jobs: \/sys, \/dev, \/boot, \/home$/ },
      ],
    },
    {
      name: 'kubernetes host_path of /etc/kubernetes, read-only, and one without host_path (mount_path /root)',
      build: (t) =>
        runnerHost(
          t,
          runner(
            'k',
            'kubernetes',
            '\t[runners.kubernetes]\n\t\t[[runners.kubernetes.volumes.host_path]]\n\t\t\tname = "kube"\n\t\t\tmount_path = "/kube"\n\t\t\tread_only = true\n\t\t\thost_path = "/etc/kubernetes"\n\t\t[[runners.kubernetes.volumes.host_path]]\n\t\t\tname = "home"\n\t\t\tmount_path = "/root"\n',
          ),
        ),
      expect: [
        {
          status: 'fail',
          subject: 'runner:k',
          message: 'sensitive host paths are mounted into jobs: /etc/kubernetes, /root',
          evidence: [
            `${CONFIG_PATH}:17: [[runners.kubernetes.volumes.host_path]] name = "kube", host_path = "/etc/kubernetes", mount_path = "/kube", read_only = true`,
            `${CONFIG_PATH}:22: [[runners.kubernetes.volumes.host_path]] name = "home", mount_path = "/root"`,
          ],
        },
      ],
    },
    {
      name: 'kubernetes host_path of the node\'s containerd socket dir, CRI-O storage and a kubelet pod dir',
      build: (t) =>
        runnerHost(
          t,
          runner(
            'k',
            'kubernetes',
            '\t[runners.kubernetes]\n\t\t[[runners.kubernetes.volumes.host_path]]\n\t\t\tname = "ctr"\n\t\t\tmount_path = "/run/containerd"\n\t\t\thost_path = "/run/containerd"\n\t\t[[runners.kubernetes.volumes.host_path]]\n\t\t\tname = "crio"\n\t\t\tmount_path = "/c"\n\t\t\thost_path = "/var/lib/containers/storage"\n\t\t[[runners.kubernetes.volumes.host_path]]\n\t\t\tname = "pods"\n\t\t\tmount_path = "/p"\n\t\t\thost_path = "/var/lib/kubelet/pods"\n',
          ),
        ),
      expect: [{ status: 'fail', subject: 'runner:k', message: 'sensitive host paths are mounted into jobs: /run/containerd, /var/lib/containers/storage, /var/lib/kubelet/pods' }],
    },
  ],
  notApplicable: [
    noRunner,
    {
      name: 'ssh and shell executors (a leftover [runners.docker] volumes is not used)',
      build: (t) => runnerHost(t, runner('s', 'ssh') + runner('sh', 'shell', volumes('["/etc:/etc"]'))),
      expect: [
        { status: 'skip', subject: 'runner:s', message: 'the ssh executor runs jobs over SSH on another machine, in no container' },
        { status: 'skip', subject: 'runner:sh', message: 'the shell executor runs jobs directly on the host' },
      ],
    },
  ],
  errors: [garbage],
});
