import { gitlabRunnerUnit, type FixtureTree } from '../helpers/fixture-tree.js';

/** How many [[runners]] the fleet fixture registers. */
export const FLEET_RUNNERS = 20;

/**
 * One GitLab Runner service with 20 registered docker runners, each as a
 * careless admin copies it: privileged, the Docker socket mounted, no pull
 * policy, no cap_drop. Every per-runner check repeats 20 times.
 */
export async function fleetHost(t: FixtureTree, names = Array.from({ length: FLEET_RUNNERS }, (_, i) => `docker-${String(i + 1).padStart(2, '0')}`)): Promise<void> {
  await t.dir('/home', { mode: 0o755 });
  await t.useradd('gitlab-runner', { uid: 999, home: '/home/gitlab-runner', createHome: true });
  await t.file('/usr/bin/gitlab-runner', '\x7fELF', { mode: 0o755 });
  await t.unit('gitlab-runner.service', gitlabRunnerUnit({ config: '/etc/gitlab-runner/config.toml' }));
  const runners = names.map(
    (n, i) =>
      `[[runners]]\n  name = ${JSON.stringify(n)}\n  url = "https://gitlab.example.com/"\n  token = "glrt-fleet${String(i).padStart(14, '0')}"\n  executor = "docker"\n` +
      `  [runners.docker]\n    image = "alpine:3.20"\n    privileged = true\n    volumes = ["/var/run/docker.sock:/var/run/docker.sock", "/cache"]\n`,
  );
  await t.file('/etc/gitlab-runner/config.toml', `concurrent = 20\n\n${runners.join('\n')}`, { mode: 0o600 });
}
