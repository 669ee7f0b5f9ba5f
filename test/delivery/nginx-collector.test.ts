import { execFileSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle, runCli } from '../helpers/cli.js';
import { FixtureTree } from '../helpers/fixture-tree.js';
import { makePki, type Pki } from '../helpers/pki.js';

let bundle: string;
let pki: Pki;
let root: FixtureTree;
let work: string;
let port: number;

beforeAll(async () => {
  bundle = buildBundle();
  pki = makePki();
  root = await FixtureTree.create();
  work = await fsp.mkdtemp(path.join(os.tmpdir(), 'rg-nginx-'));
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  // An independent collector: nginx requiring a client certificate, logging what it accepted.
  await fsp.writeFile(
    path.join(work, 'nginx.conf'),
    `daemon on;
pid ${work}/nginx.pid;
error_log ${work}/error.log;
events { worker_connections 64; }
http {
  log_format rg '$ssl_client_verify $request_method $uri $status key=$http_idempotency_key auth=$http_authorization enc=$http_content_encoding';
  access_log ${work}/access.log rg;
  client_body_temp_path ${work}/body;
  proxy_temp_path ${work}/proxy;
  fastcgi_temp_path ${work}/fastcgi;
  uwsgi_temp_path ${work}/uwsgi;
  scgi_temp_path ${work}/scgi;
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${pki.serverCert};
    ssl_certificate_key ${pki.serverKey};
    ssl_client_certificate ${pki.caCert};
    ssl_verify_client on;
    location = /v1/reports { return 202 "accepted\\n"; }
  }
}
`,
  );
  execFileSync('nginx', ['-c', path.join(work, 'nginx.conf'), '-p', work, '-e', path.join(work, 'error.log')]);
});
afterAll(async () => {
  await fsp.rm(pki.dir, { recursive: true, force: true });
  const pid = await fsp.readFile(path.join(work, 'nginx.pid'), 'utf8').catch(() => '');
  if (pid) process.kill(Number(pid), 'SIGTERM');
  await root.remove();
  await new Promise((r) => setTimeout(r, 200));
  await fsp.rm(work, { recursive: true, force: true });
});

describe('nginx with ssl_verify_client on as a second collector', () => {
  it('accepts the report over mutual TLS (Idempotency-Key logged), refuses a client without a certificate', async () => {
    const token = path.join(work, 'token');
    await fsp.writeFile(token, 'nginx-token-abcdef\n', { mode: 0o600 });
    const base = `[agent]\nstate_dir = "${work}/state"\n[report]\nurl = "https://127.0.0.1:${port}/v1/reports"\ntoken_file = "${token}"\nca_file = "${pki.caCert}"\nsplay_max_ms = 0\nmax_attempts = 1\n`;
    const withCert = path.join(work, 'with-cert.toml');
    await fsp.writeFile(withCert, `${base}cert_file = "${pki.clientCert}"\nkey_file = "${pki.clientKey}"\n`, { mode: 0o600 });
    await runCli(bundle, ['run', '--root', root.root, '--config', withCert]);
    const id = JSON.parse(await fsp.readFile(path.join(work, 'state', 'last-report.json'), 'utf8')).id;
    const log = await fsp.readFile(path.join(work, 'access.log'), 'utf8');
    expect(log).toContain(`SUCCESS POST /v1/reports 202 key=${id} auth=Bearer nginx-token-abcdef`);
    expect((await fsp.readdir(path.join(work, 'state', 'spool'))).filter((n) => n.endsWith('.json'))).toEqual([]);

    const noCert = path.join(work, 'no-cert.toml');
    await fsp.writeFile(noCert, base, { mode: 0o600 });
    const r = await runCli(bundle, ['run', '--root', root.root, '--config', noCert]);
    expect(r.stderr).toContain('HTTP 400'); // nginx: "No required SSL certificate was sent"
    expect(await fsp.readFile(path.join(work, 'access.log'), 'utf8')).toMatch(/^NONE POST \/v1\/reports 400 /m);
  });
});
