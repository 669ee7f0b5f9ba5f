// Files the deb-boot stage puts into the container.

/** A collector on the container's loopback: each report body saved under /root/received/<Idempotency-Key>.json. */
export const COLLECTOR = `import http from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
mkdirSync('/root/received', { recursive: true });
http.createServer((req, res) => {
  const parts = [];
  req.on('data', (c) => parts.push(c));
  req.on('end', () => {
    const raw = Buffer.concat(parts);
    const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
    writeFileSync('/root/received/' + String(req.headers['idempotency-key']).replace(/[^0-9a-f-]/g, '') + '.json', body);
    res.writeHead(202).end();
  });
}).listen(8088, '127.0.0.1', () => writeFileSync('/root/collector.ready', ''));
`;

export const RUNNER_UNIT = `[Unit]
Description=GitLab Runner
[Service]
ExecStart=/usr/bin/gitlab-runner "run" "--working-directory" "/home/gitlab-runner" "--config" "/etc/gitlab-runner/config.toml" "--service" "gitlab-runner" "--user" "gitlab-runner"
[Install]
WantedBy=multi-user.target
`;

export const RUNNER_CONFIG = `[[runners]]
  name = "docker-live"
  url = "https://gitlab.example.com/"
  token = "glrt-E2EBOOTSECRET000001"
  executor = "docker"
  [runners.docker]
    image = "alpine:3.20"
    privileged = true
`;
