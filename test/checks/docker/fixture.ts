import { gitlabRunnerUnit, type FixtureTree } from '../../helpers/fixture-tree.js';

/** Debian's docker.io units, as packaged. */
export const DOCKER_SOCKET_UNIT = `[Unit]
Description=Docker Socket for the API

[Socket]
ListenStream=/run/docker.sock
SocketMode=0660
SocketUser=root
SocketGroup=docker

[Install]
WantedBy=sockets.target
`;

export const DOCKER_SERVICE_UNIT = (exec = '/usr/sbin/dockerd -H fd:// $DOCKER_OPTS') => `[Unit]
Description=Docker Application Container Engine
After=network-online.target docker.socket firewalld.service containerd.service
Requires=docker.socket

[Service]
Type=notify
EnvironmentFile=-/etc/default/docker
ExecStart=${exec}
ExecReload=/bin/kill -s HUP $MAINPID

[Install]
WantedBy=multi-user.target
`;

export async function dockerHost(t: FixtureTree, daemonJson?: string): Promise<void> {
  await t.file('/usr/sbin/dockerd', '#!/bin/sh\n', { mode: 0o755 });
  await t.unit('docker.service', DOCKER_SERVICE_UNIT(), '/lib/systemd/system');
  await t.unit('docker.socket', DOCKER_SOCKET_UNIT, '/lib/systemd/system');
  await t.groupadd('docker', 999);
  if (daemonJson !== undefined) await t.file('/etc/docker/daemon.json', daemonJson);
}

export async function gitlabRunner(t: FixtureTree, executor: string): Promise<void> {
  await t.useradd('gitlab-runner', { uid: 998 });
  await t.unit('gitlab-runner.service', gitlabRunnerUnit({ config: '/etc/gitlab-runner/config.toml', userArg: 'gitlab-runner' }));
  await t.file('/etc/gitlab-runner/config.toml', `[[runners]]\n  name = "r"\n  executor = "${executor}"\n`, { mode: 0o600 });
}
